import { describe, expect, it } from 'vitest';
import { isPrivilege, PRIVILEGES } from './privileges';
import { BUILTIN_ROLES, checkCustomRoleName, isBuiltinRole, PRIVILEGE_TIERS } from './roles';

// Expected sets written out by hand from pve-access-control
// src/PVE/AccessControl.pm ($privgroups + create_roles), not derived from
// roles.ts, so a wrong tier in roles.ts fails here.
const sorted = (xs: readonly string[]) => [...xs].sort();

describe('privileges', () => {
  it('knows Proxmox names and nothing else', () => {
    expect(isPrivilege('VM.PowerMgmt')).toBe(true);
    expect(isPrivilege('Permissions.Modify')).toBe(true);
    expect(isPrivilege('vm.powermgmt')).toBe(false);
    expect(isPrivilege('VM.Power')).toBe(false);
    expect(isPrivilege(42)).toBe(false);
    expect(new Set(PRIVILEGES).size).toBe(PRIVILEGES.length);
    expect(PRIVILEGES).toHaveLength(41);
  });
});

describe('built-in roles', () => {
  it('has exactly Proxmox VE 8 special roles', () => {
    expect(sorted(Object.keys(BUILTIN_ROLES))).toEqual(
      sorted([
        'Administrator',
        'NoAccess',
        'PVEAdmin',
        'PVEAuditor',
        'PVEDatastoreAdmin',
        'PVEDatastoreUser',
        'PVEMappingAdmin',
        'PVEMappingUser',
        'PVEPoolAdmin',
        'PVEPoolUser',
        'PVESDNAdmin',
        'PVESDNUser',
        'PVESysAdmin',
        'PVETemplateUser',
        'PVEUserAdmin',
        'PVEVMAdmin',
        'PVEVMUser',
      ]),
    );
  });

  it.each([
    ['NoAccess', []],
    ['PVETemplateUser', ['VM.Audit', 'VM.Clone']],
    ['PVEVMUser', ['VM.Audit', 'VM.Backup', 'VM.Config.CDROM', 'VM.Config.Cloudinit', 'VM.Console', 'VM.PowerMgmt']],
    ['PVESysAdmin', ['Sys.Audit', 'Sys.Console', 'Sys.Syslog']],
    ['PVEDatastoreUser', ['Datastore.AllocateSpace', 'Datastore.Audit']],
    [
      'PVEDatastoreAdmin',
      ['Datastore.Allocate', 'Datastore.AllocateSpace', 'Datastore.AllocateTemplate', 'Datastore.Audit'],
    ],
    ['PVESDNUser', ['SDN.Audit', 'SDN.Use']],
    ['PVESDNAdmin', ['SDN.Allocate', 'SDN.Audit', 'SDN.Use']],
    ['PVEPoolUser', ['Pool.Audit']],
    ['PVEPoolAdmin', ['Pool.Allocate', 'Pool.Audit']],
    ['PVEUserAdmin', ['Group.Allocate', 'Realm.AllocateUser', 'User.Modify']],
    ['PVEMappingUser', ['Mapping.Audit', 'Mapping.Use']],
    ['PVEMappingAdmin', ['Mapping.Audit', 'Mapping.Modify', 'Mapping.Use']],
    ['PVEAuditor', ['Datastore.Audit', 'Mapping.Audit', 'Pool.Audit', 'SDN.Audit', 'Sys.Audit', 'VM.Audit']],
  ])('%s has exactly its Proxmox privileges', (role, privs) => {
    expect(sorted(BUILTIN_ROLES[role] ?? ['missing'])).toEqual(sorted(privs));
  });

  it('PVEVMAdmin has every VM privilege', () => {
    expect(sorted(BUILTIN_ROLES.PVEVMAdmin ?? [])).toEqual(sorted(PRIVILEGES.filter((p) => p.startsWith('VM.'))));
    expect(BUILTIN_ROLES.PVEVMAdmin).toHaveLength(18);
  });

  it('PVEAdmin is everything except the root-only privileges, Permissions.Modify and Mapping.Modify', () => {
    const excluded = [
      'Sys.PowerMgmt',
      'Sys.Modify',
      'Sys.Incoming',
      'Realm.Allocate',
      'Permissions.Modify',
      'Mapping.Modify',
    ];
    expect(sorted(BUILTIN_ROLES.PVEAdmin ?? [])).toEqual(sorted(PRIVILEGES.filter((p) => !excluded.includes(p))));
  });

  it('Administrator has every privilege', () => {
    expect(sorted(BUILTIN_ROLES.Administrator ?? [])).toEqual(sorted(PRIVILEGES));
  });

  it('lists each privilege once and only valid ones', () => {
    for (const privs of Object.values(BUILTIN_ROLES)) {
      expect(new Set(privs).size).toBe(privs.length);
      expect(privs.every(isPrivilege)).toBe(true);
    }
  });

  it('puts every privilege but Permissions.Modify in exactly one category, root-only ones as Proxmox does', () => {
    const tiers = Object.values(PRIVILEGE_TIERS);
    const all = tiers.flatMap((t) => [...t.root, ...t.admin, ...t.user, ...t.audit]);
    expect(sorted([...new Set(all), 'Permissions.Modify'])).toEqual(sorted(PRIVILEGES));
    expect(sorted(tiers.flatMap((t) => t.root))).toEqual(
      sorted(['Sys.PowerMgmt', 'Sys.Modify', 'Sys.Incoming', 'Realm.Allocate']),
    );
  });

  it('cannot be mutated', () => {
    expect(Object.isFrozen(BUILTIN_ROLES)).toBe(true);
  });
});

describe('custom role names', () => {
  it('accepts Proxmox role-ID names outside the PVE namespace', () => {
    expect(checkCustomRoleName('VM.Operator')).toBeNull();
    expect(checkCustomRoleName('backup_ops-2')).toBeNull();
    expect(isBuiltinRole('PVEVMUser')).toBe(true);
    expect(isBuiltinRole('VM.Operator')).toBe(false);
  });

  it('refuses bad characters, the PVE prefix in any case, and built-in names', () => {
    expect(checkCustomRoleName('vm ops')).toMatch(/invalid characters/);
    expect(checkCustomRoleName('')).toMatch(/invalid characters/);
    expect(checkCustomRoleName('ops@x')).toMatch(/invalid characters/);
    expect(checkCustomRoleName('PVEOps')).toMatch(/reserved/);
    expect(checkCustomRoleName('pveops')).toMatch(/reserved/);
    expect(checkCustomRoleName('Administrator')).toMatch(/built-in/);
    expect(checkCustomRoleName('NoAccess')).toMatch(/built-in/);
  });
});
