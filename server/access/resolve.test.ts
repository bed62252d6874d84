import { describe, expect, it } from 'vitest';
import type { Privilege } from './privileges';
import {
  effectivePrivileges,
  explain,
  hasAllPrivileges,
  hasAnyPrivilege,
  hasPrivilege,
  type AccessActor,
  type AccessContext,
  type AclEntry,
} from './resolve';

type E = [path: string, type: AclEntry['type'], ugid: string, roleid: string, propagate?: boolean];

function ctx(
  actor: Partial<AccessActor>,
  entries: E[],
  opts: { roles?: AccessContext['roles']; pools?: Record<string, string[]> } = {},
): AccessContext {
  return {
    actor: { userid: 'alice@local', groups: [], superuser: false, ...actor },
    acl: entries.map(([path, type, ugid, roleid, propagate = true]) => ({ path, type, ugid, roleid, propagate })),
    roles: opts.roles ?? {},
    poolsOf: (path) => opts.pools?.[path] ?? [],
  };
}

const privs = (c: AccessContext, path: string) => [...effectivePrivileges(c, path)].sort();
const VM_USER = ['VM.Audit', 'VM.Backup', 'VM.Config.CDROM', 'VM.Config.Cloudinit', 'VM.Console', 'VM.PowerMgmt'];

describe('propagation', () => {
  it('a propagating entry reaches every path below it', () => {
    const c = ctx({}, [['/vms', 'user', 'alice@local', 'PVEVMUser', true]]);
    expect(privs(c, '/vms')).toEqual(VM_USER);
    expect(privs(c, '/vms/100')).toEqual(VM_USER);
    expect(privs(c, '/')).toEqual([]);
    expect(privs(c, '/storage/local')).toEqual([]);
  });

  it('a non-propagating entry applies to its own path only', () => {
    const c = ctx({}, [['/vms', 'user', 'alice@local', 'PVEVMUser', false]]);
    expect(privs(c, '/vms')).toEqual(VM_USER);
    expect(privs(c, '/vms/100')).toEqual([]);
  });

  it('a non-propagating entry on an intermediate level neither grants nor overrides below it', () => {
    const c = ctx({}, [
      ['/', 'user', 'alice@local', 'PVEVMAdmin', true],
      ['/vms', 'user', 'alice@local', 'PVEAuditor', false],
    ]);
    expect(hasPrivilege(c, '/vms', 'VM.Allocate')).toBe(false);
    expect(hasPrivilege(c, '/vms', 'Sys.Audit')).toBe(true);
    expect(hasPrivilege(c, '/vms/100', 'VM.Allocate')).toBe(true);
    expect(hasPrivilege(c, '/vms/100', 'Sys.Audit')).toBe(false);
  });
});

describe('deeper levels replace shallower ones', () => {
  it('replaces, never adds', () => {
    const c = ctx({}, [
      ['/', 'user', 'alice@local', 'PVEVMAdmin'],
      ['/vms/100', 'user', 'alice@local', 'PVETemplateUser'],
    ]);
    expect(privs(c, '/vms/100')).toEqual(['VM.Audit', 'VM.Clone']);
    expect(hasPrivilege(c, '/vms/101', 'VM.Allocate')).toBe(true);
  });

  it('by depth, whatever the class: a deeper group entry replaces a shallower user entry', () => {
    const c = ctx({ groups: ['ops'] }, [
      ['/', 'user', 'alice@local', 'PVEVMAdmin'],
      ['/vms', 'group', 'ops', 'PVEAuditor'],
    ]);
    expect(hasPrivilege(c, '/vms/100', 'VM.Allocate')).toBe(false);
    expect(hasPrivilege(c, '/vms/100', 'VM.Audit')).toBe(true);
  });
});

describe('users and groups at one level', () => {
  it('user entries override group entries on the same path', () => {
    const c = ctx({ groups: ['ops'] }, [
      ['/vms/100', 'group', 'ops', 'PVEVMAdmin'],
      ['/vms/100', 'user', 'alice@local', 'PVEAuditor'],
    ]);
    expect(hasPrivilege(c, '/vms/100', 'VM.Allocate')).toBe(false);
    expect(hasPrivilege(c, '/vms/100', 'VM.Audit')).toBe(true);
  });

  it('a user entry that does not apply there (non-propagating, above the target) lets group entries count', () => {
    const c = ctx({ groups: ['ops'] }, [
      ['/vms', 'user', 'alice@local', 'PVEAuditor', false],
      ['/vms', 'group', 'ops', 'PVEVMUser', true],
    ]);
    expect(hasPrivilege(c, '/vms/100', 'VM.PowerMgmt')).toBe(true);
  });

  it("all the user's groups add up at one level; other groups do not count", () => {
    const c = ctx({ groups: ['ops', 'storage'] }, [
      ['/', 'group', 'ops', 'PVEVMUser'],
      ['/', 'group', 'storage', 'PVEDatastoreUser'],
      ['/', 'group', 'admins', 'Administrator'],
    ]);
    expect(hasAllPrivileges(c, '/vms/100', ['VM.Console', 'Datastore.AllocateSpace'])).toBe(true);
    expect(hasPrivilege(c, '/vms/100', 'VM.Allocate')).toBe(false);
  });

  it('several roles of one user at one level add up', () => {
    const c = ctx({}, [
      ['/vms/100', 'user', 'alice@local', 'PVETemplateUser'],
      ['/vms/100', 'user', 'alice@local', 'PVEDatastoreUser'],
    ]);
    expect(privs(c, '/vms/100')).toEqual(['Datastore.AllocateSpace', 'Datastore.Audit', 'VM.Audit', 'VM.Clone']);
  });

  it('entries of another user do not count', () => {
    const c = ctx({}, [['/', 'user', 'bob@local', 'Administrator']]);
    expect(privs(c, '/')).toEqual([]);
  });
});

describe('NoAccess', () => {
  it('wins over every other role in the same winning set', () => {
    const c = ctx({ groups: ['a', 'b'] }, [
      ['/vms/100', 'group', 'a', 'PVEVMAdmin'],
      ['/vms/100', 'group', 'b', 'NoAccess'],
    ]);
    expect(privs(c, '/vms/100')).toEqual([]);
  });

  it('propagates like any role and is replaced by a deeper grant', () => {
    const c = ctx({}, [
      ['/', 'user', 'alice@local', 'Administrator'],
      ['/vms', 'user', 'alice@local', 'NoAccess'],
      ['/vms/100', 'user', 'alice@local', 'PVEVMUser'],
    ]);
    expect(privs(c, '/vms/101')).toEqual([]);
    expect(privs(c, '/vms/100')).toEqual(VM_USER);
    expect(hasPrivilege(c, '/nodes/pve1', 'Sys.Modify')).toBe(true);
  });
});

describe('unknown roles and custom roles', () => {
  it('an entry naming an unknown role is ignored: it grants nothing and overrides nothing', () => {
    const c = ctx({}, [
      ['/', 'user', 'alice@local', 'PVEVMAdmin'],
      ['/vms/100', 'user', 'alice@local', 'Ghost'],
    ]);
    expect(hasPrivilege(c, '/vms/100', 'VM.Allocate')).toBe(true);
  });

  it('custom roles grant their privileges', () => {
    const c = ctx({}, [['/vms/100', 'user', 'alice@local', 'Starter']], {
      roles: { Starter: ['VM.PowerMgmt', 'VM.Audit'] },
    });
    expect(privs(c, '/vms/100')).toEqual(['VM.Audit', 'VM.PowerMgmt']);
  });

  it('a custom role cannot redefine a built-in one', () => {
    const c = ctx({}, [['/', 'user', 'alice@local', 'PVEAuditor']], { roles: { PVEAuditor: ['VM.Allocate'] } });
    expect(hasPrivilege(c, '/vms/1', 'VM.Allocate')).toBe(false);
    expect(hasPrivilege(c, '/vms/1', 'VM.Audit')).toBe(true);
  });
});

describe('pools', () => {
  const pools = { '/vms/100': ['dev'], '/storage/nfs': ['dev', 'prod'] };

  it('a pool ACL reaches its member guests and storages, even without propagate', () => {
    const c = ctx({}, [['/pool/dev', 'user', 'alice@local', 'PVEVMUser', false]], { pools });
    expect(hasPrivilege(c, '/vms/100', 'VM.PowerMgmt')).toBe(true);
    expect(hasPrivilege(c, '/storage/nfs', 'VM.Console')).toBe(true);
    expect(hasPrivilege(c, '/vms/101', 'VM.PowerMgmt')).toBe(false);
    expect(hasPrivilege(c, '/vms', 'VM.PowerMgmt')).toBe(false);
  });

  it('applies only to /vms/{vmid} and /storage/{id}, whatever poolsOf answers', () => {
    const c = ctx({}, [['/pool/dev', 'user', 'alice@local', 'PVEAdmin']], { pools: { '/nodes/pve1': ['dev'] } });
    expect(privs(c, '/nodes/pve1')).toEqual([]);
  });

  it('adds to the roles on the member path instead of replacing them', () => {
    const c = ctx(
      {},
      [
        ['/pool/dev', 'user', 'alice@local', 'PVEDatastoreUser'],
        ['/vms/100', 'user', 'alice@local', 'PVETemplateUser'],
      ],
      { pools },
    );
    expect(privs(c, '/vms/100')).toEqual(['Datastore.AllocateSpace', 'Datastore.Audit', 'VM.Audit', 'VM.Clone']);
  });

  it('storage in two pools gets the roles of both', () => {
    const c = ctx(
      {},
      [
        ['/pool/dev', 'user', 'alice@local', 'PVETemplateUser'],
        ['/pool/prod', 'user', 'alice@local', 'PVEDatastoreUser'],
      ],
      { pools },
    );
    expect(hasAllPrivileges(c, '/storage/nfs', ['VM.Clone', 'Datastore.AllocateSpace'])).toBe(true);
  });

  it('NoAccess on the member path is not trumped by the pool', () => {
    const c = ctx(
      {},
      [
        ['/pool/dev', 'user', 'alice@local', 'PVEVMAdmin'],
        ['/vms/100', 'user', 'alice@local', 'NoAccess'],
      ],
      { pools },
    );
    expect(privs(c, '/vms/100')).toEqual([]);
  });

  it('NoAccess on the pool trumps grants on the member path', () => {
    const c = ctx(
      {},
      [
        ['/pool/dev', 'user', 'alice@local', 'NoAccess'],
        ['/vms/100', 'user', 'alice@local', 'PVEVMAdmin'],
      ],
      { pools },
    );
    expect(privs(c, '/vms/100')).toEqual([]);
  });

  it('the pool path is walked in full, so a propagating / entry reaches members through it', () => {
    // Proxmox computes roles(user, "/pool/dev") with the normal walk; roles
    // found there are added to /vms/100 even though a deeper entry on
    // /vms/100 replaced what / gave on the direct walk.
    const c = ctx(
      {},
      [
        ['/', 'user', 'alice@local', 'PVEVMAdmin'],
        ['/vms/100', 'user', 'alice@local', 'PVETemplateUser'],
        ['/vms/101', 'user', 'alice@local', 'PVETemplateUser'],
      ],
      { pools },
    );
    expect(hasPrivilege(c, '/vms/100', 'VM.Allocate')).toBe(true);
    expect(hasPrivilege(c, '/vms/101', 'VM.Allocate')).toBe(false);
  });
});

describe('API tokens', () => {
  const token = (privsep: boolean) => ({ tokenid: 'alice@local!ci', privsep });

  it('without privilege separation gets exactly its user privileges and ignores token entries', () => {
    const c = ctx({ token: token(false) }, [
      ['/vms', 'user', 'alice@local', 'PVEVMUser'],
      ['/', 'token', 'alice@local!ci', 'Administrator'],
      ['/vms/100', 'token', 'alice@local!ci', 'NoAccess'],
    ]);
    expect(privs(c, '/vms/100')).toEqual(VM_USER);
    expect(privs(c, '/nodes')).toEqual([]);
  });

  it('with privilege separation gets the intersection of its own and its user privileges', () => {
    const c = ctx({ token: token(true) }, [
      ['/vms', 'user', 'alice@local', 'PVEVMUser'],
      ['/', 'token', 'alice@local!ci', 'Administrator'],
    ]);
    expect(privs(c, '/vms/100')).toEqual(VM_USER);
    expect(privs(c, '/nodes')).toEqual([]);

    const narrow = ctx({ token: token(true) }, [
      ['/', 'user', 'alice@local', 'Administrator'],
      ['/vms/100', 'token', 'alice@local!ci', 'PVEAuditor'],
    ]);
    expect(privs(narrow, '/vms/100')).toEqual([
      'Datastore.Audit',
      'Mapping.Audit',
      'Pool.Audit',
      'SDN.Audit',
      'Sys.Audit',
      'VM.Audit',
    ]);
    expect(privs(narrow, '/vms/101')).toEqual([]);
  });

  it('a privilege-separated token does not inherit its user or group entries as its own', () => {
    const c = ctx({ token: token(true), groups: ['ops'] }, [
      ['/', 'user', 'alice@local', 'Administrator'],
      ['/', 'group', 'ops', 'Administrator'],
      ['/', 'token', 'alice@local!other', 'Administrator'],
    ]);
    expect(privs(c, '/')).toEqual([]);
  });

  it('walks token entries with the same rules (deeper replaces, propagate, NoAccess)', () => {
    const c = ctx({ token: token(true) }, [
      ['/', 'user', 'alice@local', 'Administrator'],
      ['/', 'token', 'alice@local!ci', 'PVEVMAdmin'],
      ['/vms/100', 'token', 'alice@local!ci', 'NoAccess'],
      ['/vms', 'token', 'alice@local!ci', 'PVETemplateUser', false],
    ]);
    expect(privs(c, '/vms/100')).toEqual([]);
    expect(hasPrivilege(c, '/vms/101', 'VM.Allocate')).toBe(true);
    expect(privs(c, '/vms')).toEqual(['VM.Audit', 'VM.Clone']);
  });

  it('refuses a token that is not the actor user own', () => {
    const c = ctx({ token: { tokenid: 'bob@local!ci', privsep: true } }, []);
    expect(() => effectivePrivileges(c, '/')).toThrow(/does not belong to user 'alice@local'/);
  });
});

describe('superuser', () => {
  it('has every privilege everywhere, whatever the ACL says', () => {
    const c = ctx({ superuser: true }, [['/', 'user', 'alice@local', 'NoAccess']]);
    expect(hasAllPrivileges(c, '/vms/100', ['Permissions.Modify', 'Sys.PowerMgmt', 'Realm.Allocate'])).toBe(true);
    expect(effectivePrivileges(c, '/anything').size).toBe(41);
  });

  it('is explained as superuser, not by ACL entries', () => {
    const c = ctx({ superuser: true }, [['/', 'user', 'alice@local', 'NoAccess']]);
    const [v] = explain(c, '/vms/100', ['VM.Allocate']).privileges;
    expect(v).toMatchObject({ granted: true, userGrants: [], deniedBy: [] });
    expect(v?.reason).toBe('granted: superuser has every privilege');
  });

  it("a superuser's privilege-separated token still gets only its own ACL privileges", () => {
    const c = ctx({ superuser: true, token: { tokenid: 'alice@local!ro', privsep: true } }, [
      ['/', 'token', 'alice@local!ro', 'PVEAuditor'],
    ]);
    expect(hasPrivilege(c, '/vms/100', 'VM.Audit')).toBe(true);
    expect(hasPrivilege(c, '/vms/100', 'VM.PowerMgmt')).toBe(false);
  });
});

describe('paths given to the resolver', () => {
  it('normalises the target and the entries', () => {
    const c = ctx({}, [['/vms//100/', 'user', 'alice@local', 'PVETemplateUser', false]]);
    expect(privs(c, '//vms/100/')).toEqual(['VM.Audit', 'VM.Clone']);
  });

  it('grants nothing on an ill-formed path', () => {
    const c = ctx({ superuser: true }, []);
    expect(privs(c, '/vms/1 00')).toEqual([]);
  });

  it('hasAnyPrivilege needs one, hasAllPrivileges needs all', () => {
    const c = ctx({}, [['/', 'user', 'alice@local', 'PVEAuditor']]);
    const both: Privilege[] = ['VM.Audit', 'VM.PowerMgmt'];
    expect(hasAnyPrivilege(c, '/vms/100', both)).toBe(true);
    expect(hasAllPrivileges(c, '/vms/100', both)).toBe(false);
    expect(hasAnyPrivilege(c, '/vms/100', ['VM.PowerMgmt'])).toBe(false);
  });
});

// Cases from Proxmox's own suite (pve-access-control src/test/perm-test8.pl
// with src/test/test8.cfg), translated.
describe('Proxmox perm-test8', () => {
  const roles = {
    storage_manager: ['Datastore.AllocateSpace', 'Datastore.Audit'],
    customer: ['VM.Audit', 'VM.PowerMgmt'],
    vm_admin: ['VM.Audit', 'VM.Allocate', 'Permissions.Modify', 'VM.Console'],
  } satisfies Record<string, Privilege[]>;
  const groups: Record<string, string[]> = {
    'joe@pve': ['testgroup1'],
    'max@pve': ['testgroup1', 'testgroup3'],
    'alex@pve': ['testgroup2'],
    'sue@pve': ['testgroup1', 'testgroup2'],
    'carol@pam': ['testgroup2'],
  };
  const acl: E[] = [
    ['/vms', 'group', 'testgroup1', 'vm_admin'],
    ['/vms/100/', 'user', 'alex@pve', 'customer'],
    ['/vms/100/', 'user', 'max@pve', 'customer'],
    ['/storage/nfs1', 'group', 'testgroup2', 'storage_manager'],
    ['/users', 'user', 'max@pve', 'Administrator'],
    ['/vms/200', 'group', 'testgroup3', 'storage_manager'],
    ['/vms/200', 'group', 'testgroup2', 'NoAccess'],
    ['/vms/200', 'token', 'carol@pam!token', 'vm_admin'],
    ['/vms/200', 'token', 'max@pve!token', 'storage_manager'],
    ['/vms/200', 'token', 'max@pve!token2', 'customer'],
  ];
  const privsep: Record<string, boolean> = { 'max@pve!token': false, 'max@pve!token2': true, 'carol@pam!token': false };
  const as = (id: string) => {
    const userid = id.split('!')[0] ?? id;
    const token = id.includes('!') ? { tokenid: id, privsep: privsep[id] ?? false } : undefined;
    return ctx({ userid, groups: groups[userid] ?? [], token }, acl, { roles });
  };

  it.each([
    ['max@pve', '/', ''],
    ['max@pve', '/vms', 'Permissions.Modify,VM.Allocate,VM.Audit,VM.Console'],
    ['max@pve', '/vms/100', 'VM.Audit,VM.PowerMgmt'],
    ['max@pve', '/vms/101', 'Permissions.Modify,VM.Allocate,VM.Audit,VM.Console'],
    ['alex@pve', '/vms', ''],
    ['alex@pve', '/vms/100', 'VM.Audit,VM.PowerMgmt'],
    ['max@pve', '/vms/200', 'Datastore.AllocateSpace,Datastore.Audit'],
    ['joe@pve', '/vms/200', 'Permissions.Modify,VM.Allocate,VM.Audit,VM.Console'],
    ['sue@pve', '/vms/200', ''],
    ['carol@pam', '/vms/200', ''],
    ['carol@pam!token', '/vms/200', ''],
    ['max@pve!token', '/vms/200', 'Datastore.AllocateSpace,Datastore.Audit'],
    // privsep token2 has `customer`, its user `storage_manager`: nothing in common.
    ['max@pve!token2', '/vms/200', ''],
  ])('%s on %s: %s', (who, path, want) => {
    expect(privs(as(who), path).join(',')).toBe(want);
  });
});

describe('explain', () => {
  it('names the entry and role that grant a privilege', () => {
    const c = ctx({ groups: ['ops'] }, [['/vms', 'group', 'ops', 'PVEVMUser', true]]);
    const [v] = explain(c, '/vms/101', ['VM.PowerMgmt']).privileges;
    expect(v?.granted).toBe(true);
    expect(v?.userGrants).toEqual([
      {
        roleid: 'PVEVMUser',
        entry: { path: '/vms', type: 'group', ugid: 'ops', roleid: 'PVEVMUser', propagate: true },
      },
    ]);
    expect(v?.reason).toBe('granted by role PVEVMUser on /vms (propagated) for group ops');
  });

  it('names the NoAccess entry that denies, and says when nothing grants', () => {
    const c = ctx({}, [
      ['/', 'user', 'alice@local', 'PVEAuditor'],
      ['/vms/101', 'user', 'alice@local', 'NoAccess', false],
    ]);
    const e = explain(c, '/vms/101', ['VM.Audit']);
    expect(e.path).toBe('/vms/101');
    expect(e.privileges[0]?.granted).toBe(false);
    expect(e.privileges[0]?.deniedBy.map((g) => g.entry.path)).toEqual(['/vms/101']);
    expect(e.privileges[0]?.reason).toMatch(/^denied by role NoAccess on \/vms\/101 for user alice@local$/);

    const none = explain(c, '/vms/102', ['VM.PowerMgmt']).privileges[0];
    expect(none?.reason).toBe('denied: no ACL entry on /vms/102 or above grants it');
  });

  it('marks pool-derived grants with the pool', () => {
    const c = ctx({}, [['/pool/dev', 'user', 'alice@local', 'PVEVMUser']], { pools: { '/vms/100': ['dev'] } });
    const v = explain(c, '/vms/100', ['VM.Console']).privileges[0];
    expect(v?.userGrants[0]?.pool).toBe('dev');
    expect(v?.reason).toContain("via pool 'dev'");
  });

  it('for a privilege-separated token shows both sides', () => {
    const c = ctx({ token: { tokenid: 'alice@local!ci', privsep: true } }, [
      ['/', 'user', 'alice@local', 'PVEVMUser'],
      ['/', 'token', 'alice@local!ci', 'PVEVMAdmin'],
    ]);
    const e = explain(c, '/vms/100', ['VM.Console', 'VM.Allocate']);
    expect(e.actor).toBe('alice@local!ci');
    const [console, allocate] = e.privileges;
    expect(console?.granted).toBe(true);
    expect(allocate?.granted).toBe(false);
    expect(allocate?.tokenGrants?.[0]?.roleid).toBe('PVEVMAdmin');
    expect(allocate?.userGrants).toEqual([]);
    expect(allocate?.reason).toContain('the user lacks it');
  });

  it('covers every privilege when none are named, consistent with effectivePrivileges', () => {
    const c = ctx({}, [['/', 'user', 'alice@local', 'PVEDatastoreUser']]);
    const e = explain(c, '/storage/local');
    expect(e.privileges).toHaveLength(41);
    expect(
      e.privileges
        .filter((v) => v.granted)
        .map((v) => v.privilege)
        .sort(),
    ).toEqual(privs(c, '/storage/local'));
  });
});
