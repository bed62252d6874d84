import { PRIVILEGES, type Privilege } from './privileges';

/**
 * Proxmox generates its built-in roles from one table of privilege tiers per
 * category (`$privgroups` and `create_roles` in pve-access-control
 * `src/PVE/AccessControl.pm`). We keep the same shape so that a privilege
 * added to a tier lands in every role Proxmox would give it to.
 *
 * - root: only `Administrator` (and the superuser) has it.
 * - admin: `PVE<Cat>Admin` and `PVEAdmin`.
 * - user: `PVE<Cat>User` (which exists only if this tier is non-empty),
 *   `PVE<Cat>Admin` and `PVEAdmin`.
 * - audit: all of the above plus `PVEAuditor`.
 */
export type Tiers = {
  root: readonly Privilege[];
  admin: readonly Privilege[];
  user: readonly Privilege[];
  audit: readonly Privilege[];
};

/**
 * Privileges per category and tier, as Proxmox groups them; every privilege
 * except `Permissions.Modify` is in exactly one category. Exported for UIs
 * that group privileges (role editor) and for the tests.
 */
export const PRIVILEGE_TIERS: Readonly<Record<string, Tiers>> = {
  VM: {
    root: [],
    admin: [
      'VM.Config.Disk',
      'VM.Config.CPU',
      'VM.Config.Memory',
      'VM.Config.Network',
      'VM.Config.HWType',
      'VM.Config.Options',
      'VM.Allocate',
      'VM.Clone',
      'VM.Migrate',
      'VM.Monitor',
      'VM.Snapshot',
      'VM.Snapshot.Rollback',
    ],
    user: ['VM.Config.CDROM', 'VM.Config.Cloudinit', 'VM.Console', 'VM.Backup', 'VM.PowerMgmt'],
    audit: ['VM.Audit'],
  },
  Sys: {
    root: ['Sys.PowerMgmt', 'Sys.Modify', 'Sys.Incoming'],
    admin: ['Sys.Console', 'Sys.Syslog'],
    user: [],
    audit: ['Sys.Audit'],
  },
  Datastore: {
    root: [],
    admin: ['Datastore.Allocate', 'Datastore.AllocateTemplate'],
    user: ['Datastore.AllocateSpace'],
    audit: ['Datastore.Audit'],
  },
  SDN: {
    root: [],
    admin: ['SDN.Allocate', 'SDN.Audit'],
    user: ['SDN.Use'],
    audit: ['SDN.Audit'],
  },
  User: {
    root: ['Realm.Allocate'],
    admin: ['User.Modify', 'Group.Allocate', 'Realm.AllocateUser'],
    user: [],
    audit: [],
  },
  Pool: {
    root: [],
    admin: ['Pool.Allocate'],
    user: ['Pool.Audit'],
    audit: ['Pool.Audit'],
  },
  Mapping: {
    root: [],
    admin: ['Mapping.Modify'],
    user: ['Mapping.Use'],
    audit: ['Mapping.Audit'],
  },
};

function buildBuiltinRoles(): Record<string, readonly Privilege[]> {
  const roles = new Map<string, Set<Privilege>>();
  const add = (role: string, privs: readonly Privilege[]) => {
    const set = roles.get(role) ?? new Set<Privilege>();
    for (const p of privs) set.add(p);
    roles.set(role, set);
  };

  add('PVEAdmin', []);
  add('PVEAuditor', []);
  for (const [cat, t] of Object.entries(PRIVILEGE_TIERS)) {
    const nonRoot = [...t.admin, ...t.user, ...t.audit];
    add(`PVE${cat}Admin`, nonRoot);
    add('PVEAdmin', nonRoot);
    if (t.user.length > 0) add(`PVE${cat}User`, [...t.user, ...t.audit]);
    add('PVEAuditor', t.audit);
  }
  // Proxmox keeps Mapping.Modify out of PVEAdmin on purpose: only
  // Administrator, the superuser and PVEMappingAdmin may change mappings.
  roles.get('PVEAdmin')?.delete('Mapping.Modify');

  // Order each role's privileges as PRIVILEGES does, so output is stable.
  const ordered = (set: ReadonlySet<Privilege>) => PRIVILEGES.filter((p) => set.has(p));
  const result: Record<string, readonly Privilege[]> = {
    // Administrator is "every valid privilege", including Permissions.Modify,
    // which belongs to no category.
    Administrator: [...PRIVILEGES],
    NoAccess: [],
    PVETemplateUser: ['VM.Audit', 'VM.Clone'],
  };
  for (const [name, set] of roles) result[name] = ordered(set);
  return result;
}

/**
 * The built-in ("special") roles with Proxmox VE 8's privilege sets.
 * They cannot be created, changed or deleted by users. `NoAccess` is
 * special in resolution too: see resolve.ts.
 */
export const BUILTIN_ROLES: Readonly<Record<string, readonly Privilege[]>> = Object.freeze(buildBuiltinRoles());

/** True for a built-in role name such as `PVEVMUser` or `NoAccess`. */
export function isBuiltinRole(name: string): boolean {
  return Object.hasOwn(BUILTIN_ROLES, name);
}

/** Role IDs, custom or built-in: Proxmox's `pve-roleid` format (`verify_rolename`). */
const ROLE_ID = /^[A-Za-z0-9.\-_]+$/;

/** True when `name` is syntactically a role ID (built-in or custom). */
export function isRoleId(name: string): boolean {
  return ROLE_ID.test(name);
}

/**
 * Checks a name for a new custom role, with Proxmox's rules (`create_role` in
 * `src/PVE/API2/Role.pm`): the role-ID characters, not in the reserved
 * case-insensitive `PVE` namespace, and not a built-in role. Whether a custom
 * role of that name already exists is the caller's concern (it needs the
 * database).
 *
 * @returns `null` when the name is acceptable, else a message saying why not.
 */
export function checkCustomRoleName(name: string): string | null {
  if (!isRoleId(name)) {
    return `role name '${name}' contains invalid characters: use only letters, digits, '.', '-' and '_'`;
  }
  if (/^PVE/i.test(name)) {
    return `role name '${name}' is reserved: names starting with 'PVE' (any case) belong to built-in roles`;
  }
  if (isBuiltinRole(name)) {
    return `role name '${name}' is a built-in role; choose another name`;
  }
  return null;
}
