import type { Actor } from '@/server/access/actor';
import { isPrivilege, type Privilege } from '@/server/access/privileges';
import { effectivePrivileges, type AccessActor, type AccessContext, type AclEntry } from '@/server/access/resolve';
import type { Db } from '@/server/db';

/** What one actor may do, loaded once per request and asked per path. */
export type Permissions = {
  has(privilege: Privilege, path: string): boolean;
  privilegesOn(path: string): ReadonlySet<Privilege>;
  context: AccessContext;
};

/** The resolver's view of an actor: a token brings its id and privilege separation. */
export function accessActorOf(actor: Actor, groups: readonly string[]): AccessActor {
  const token = actor.kind === 'token' ? { tokenid: actor.tokenid, privsep: actor.privsep } : undefined;
  return { userid: actor.userid, groups, superuser: false, ...(token ? { token } : {}) };
}

/** ACL entries, custom roles and pool memberships: everything but the actor. */
export async function loadAclTables(db: Db): Promise<Omit<AccessContext, 'actor'>> {
  const [acl, customRoles, poolMembers] = await Promise.all([
    db.aclEntry.findMany({ select: { path: true, ugidType: true, ugid: true, roleId: true, propagate: true } }),
    db.role.findMany({ where: { builtin: false }, select: { id: true, privileges: true } }),
    db.poolMember.findMany({ select: { poolId: true, type: true, memberId: true } }),
  ]);
  // `/vms/100` or `/storage/local` → pools containing it (at most one, as in Proxmox).
  const pools = new Map<string, string[]>();
  for (const m of poolMembers) {
    const path = m.type === 'vm' ? `/vms/${m.memberId}` : m.type === 'storage' ? `/storage/${m.memberId}` : null;
    if (path) pools.set(path, [...(pools.get(path) ?? []), m.poolId]);
  }
  return {
    acl: acl.flatMap((e): AclEntry[] =>
      e.ugidType === 'user' || e.ugidType === 'group' || e.ugidType === 'token'
        ? [{ path: e.path, type: e.ugidType, ugid: e.ugid, roleid: e.roleId, propagate: e.propagate }]
        : [],
    ),
    roles: Object.fromEntries(customRoles.map((r) => [r.id, r.privileges.filter(isPrivilege)])),
    poolsOf: (path) => pools.get(path) ?? [],
  };
}

/** Wraps a context with a per-path cache of effective privileges. */
export function permissionsFrom(context: AccessContext): Permissions {
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

/** The access generation: database triggers raise it whenever ACLs, custom roles, pools or groups change. */
export async function accessGeneration(db: Db): Promise<bigint> {
  const row = await db.accessGeneration.findUnique({ where: { id: 1 }, select: { value: true } });
  return row?.value ?? -1n;
}

type Resolved = { generation: bigint; perms: Promise<Permissions> };
/** Per database, per actor: the resolved permissions of the last generation seen. */
const resolved = new WeakMap<Db, Map<string, Resolved>>();
const MAX_CACHED_ACTORS = 1000;

function actorKey(actor: Actor): string {
  return actor.kind === 'token' ? `${actor.tokenid}\0${actor.privsep}` : actor.userid;
}

/**
 * Loads the ACL, roles, pools and group memberships that decide the actor's
 * rights. The result (with its per-path cache) is kept until the access
 * generation changes, so a request costs one small query here instead of
 * five, and a change made through any console takes effect at the next
 * request everywhere.
 */
export async function loadPermissions(db: Db, actor: Actor, knownGeneration?: bigint): Promise<Permissions> {
  const generation = knownGeneration ?? (await accessGeneration(db));
  let byActor = resolved.get(db);
  if (!byActor) resolved.set(db, (byActor = new Map()));
  const key = actorKey(actor);
  const hit = byActor.get(key);
  if (hit && hit.generation === generation) return hit.perms;
  const perms = Promise.all([loadAclTables(db), groupsOfUser(db, actor.userid)]).then(([tables, groups]) =>
    permissionsFrom({ ...tables, actor: accessActorOf(actor, groups ?? []) }),
  );
  byActor.delete(key);
  if (byActor.size >= MAX_CACHED_ACTORS) byActor.delete(byActor.keys().next().value!);
  byActor.set(key, { generation, perms });
  perms.catch(() => byActor.delete(key));
  return perms;
}

const perRequest = new WeakMap<object, Promise<Permissions>>();

/**
 * {@link loadPermissions} once per request: `request` is the context's
 * `requestScope`, shared by every call of one HTTP batch, so a batch of ten
 * queries loads the ACL once. `known`: the access generation the request
 * already read with its session, so it is not read twice.
 */
export function requestPermissions(request: object, db: Db, actor: Actor, known?: bigint): Promise<Permissions> {
  let perms = perRequest.get(request);
  if (!perms) {
    perms = loadPermissions(db, actor, known);
    perRequest.set(request, perms);
    perms.catch(() => perRequest.delete(request));
  }
  return perms;
}

/** The groups of a user, or null when the user does not exist. */
export async function groupsOfUser(db: Db, userid: string): Promise<string[] | null> {
  const user = await db.user.findUnique({ where: { id: userid }, select: { groups: { select: { groupId: true } } } });
  return user ? user.groups.map((g) => g.groupId) : null;
}
