import type { Actor } from '@/server/access/actor';
import { isPrivilege, type Privilege } from '@/server/access/privileges';
import { effectivePrivileges, type AccessContext, type AclEntry } from '@/server/access/resolve';
import type { Db } from '@/server/db';

/** What one actor may do, loaded once per request and asked per path. */
export type Permissions = {
  has(privilege: Privilege, path: string): boolean;
  privilegesOn(path: string): ReadonlySet<Privilege>;
  context: AccessContext;
};

/** Loads the ACL, roles and group memberships that decide the actor's rights. */
export async function loadPermissions(db: Db, actor: Actor): Promise<Permissions> {
  const [acl, customRoles, memberships] = await Promise.all([
    db.aclEntry.findMany({ select: { path: true, ugidType: true, ugid: true, roleId: true, propagate: true } }),
    db.role.findMany({ where: { builtin: false }, select: { id: true, privileges: true } }),
    db.groupMember.findMany({ where: { userId: actor.userid }, select: { groupId: true } }),
  ]);
  const context: AccessContext = {
    actor: { userid: actor.userid, groups: memberships.map((m) => m.groupId), superuser: false },
    acl: acl.flatMap((e): AclEntry[] =>
      e.ugidType === 'user' || e.ugidType === 'group' || e.ugidType === 'token'
        ? [{ path: e.path, type: e.ugidType, ugid: e.ugid, roleid: e.roleId, propagate: e.propagate }]
        : [],
    ),
    roles: Object.fromEntries(customRoles.map((r) => [r.id, r.privileges.filter(isPrivilege)])),
    // Resource pools arrive with the access issue; until then no resource is in one.
    poolsOf: () => [],
  };
  const cache = new Map<string, ReadonlySet<Privilege>>();
  const privilegesOn = (path: string): ReadonlySet<Privilege> => {
    let set = cache.get(path);
    if (!set) {
      set = effectivePrivileges(context, path);
      cache.set(path, set);
    }
    return set;
  };
  return { context, privilegesOn, has: (privilege, path) => privilegesOn(path).has(privilege) };
}
