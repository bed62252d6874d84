/**
 * "May this actor do P on path X": Proxmox VE's permission resolution, pure.
 *
 * Read from pve-access-control: `PVE::AccessControl::roles` (the path walk)
 * and `PVE::RPCEnvironment` `permissions` / `compile_acl_path` (pools, tokens,
 * roles to privileges). Whether the user is enabled, not expired, and the
 * token not expired is the caller's concern: check that before asking here,
 * as Proxmox does at login / token verification, not in the resolver.
 */
import { aclPathLevels, isPoolMemberPath, normalizeAclPath } from './paths';
import { PRIVILEGES, type Privilege } from './privileges';
import { BUILTIN_ROLES } from './roles';

/** One ACL entry, as Proxmox's `GET /access/acl` lists it. */
export type AclEntry = {
  /** Where the entry is placed, e.g. `/vms/100`; normalised before use. */
  path: string;
  type: 'user' | 'group' | 'token';
  /** `alice@local`, a group name without `@`, or a full token id `alice@local!ci`. */
  ugid: string;
  roleid: string;
  /** Whether the entry also applies to every path below `path`. */
  propagate: boolean;
};

/** Who is asking. */
export type AccessActor = {
  /** The user, or the owner of the token: `name@realm`. */
  userid: string;
  /** Names of the groups the user belongs to. */
  groups: readonly string[];
  /**
   * Set when the request authenticated with an API token. `tokenid` is the
   * full id, `userid!name`. With `privsep` the token gets its own ACL
   * privileges intersected with the user's; without, exactly the user's.
   */
  token?: { tokenid: string; privsep: boolean };
  /** Has every privilege everywhere, like Proxmox's `root@pam`. */
  superuser: boolean;
};

/** Everything a permission check needs; build once per request, reuse per path. */
export type AccessContext = {
  actor: AccessActor;
  acl: readonly AclEntry[];
  /**
   * Custom roles by name. Built-in roles are always added on top (and win),
   * as Proxmox forces its special roles into every config.
   */
  roles: Readonly<Record<string, readonly Privilege[]>>;
  /**
   * Pools containing the resource at `path` (`/vms/100` in pool `dev` gives
   * `['dev']`). Only asked for `/vms/{vmid}` and `/storage/{id}`.
   */
  poolsOf: (path: string) => readonly string[];
};

/** One role reaching the checked path, and the ACL entry it came from. */
export type RoleGrant = {
  roleid: string;
  entry: AclEntry;
  /** Set when the role came from `/pool/{pool}` to a pool member. */
  pool?: string;
};

type RoleSet = Map<string, RoleGrant[]>;
type PrivSet = Map<Privilege, RoleGrant[]>;
type Subject = { kind: 'user'; userid: string; groups: ReadonlySet<string> } | { kind: 'token'; tokenid: string };

/** Entries by normalised path; unusable entries dropped as Proxmox's parser drops them. */
type AclIndex = Map<string, AclEntry[]>;

function indexAcl(ctx: AccessContext, table: Readonly<Record<string, readonly Privilege[]>>): AclIndex {
  const index: AclIndex = new Map();
  for (const entry of ctx.acl) {
    const path = normalizeAclPath(entry.path);
    // parse_user_config ignores lines with a bad path or an unknown role, so
    // such an entry neither grants nor overrides anything.
    if (path === null || !Object.hasOwn(table, entry.roleid)) continue;
    const list = index.get(path) ?? [];
    list.push({ ...entry, path });
    index.set(path, list);
  }
  return index;
}

/**
 * Proxmox's `roles()`: walk from `/` to `path`. At each level only entries on
 * that exact path count, and only if they propagate or the level is the
 * target. The first class with any applicable entry at a level replaces
 * everything found above: for a user, user entries, else the entries of all
 * the user's groups together; for a token only token entries exist (its
 * user's and groups' entries are keyed by other ids). Finally NoAccess
 * anywhere in the surviving set leaves NoAccess alone.
 */
function rolesAt(subject: Subject, path: string, index: AclIndex): RoleSet {
  const classes: ((e: AclEntry) => boolean)[] =
    subject.kind === 'token'
      ? [(e) => e.type === 'token' && e.ugid === subject.tokenid]
      : [
          (e) => e.type === 'user' && e.ugid === subject.userid,
          (e) => e.type === 'group' && subject.groups.has(e.ugid),
        ];
  const levels = aclPathLevels(path);
  let current: RoleSet = new Map();
  levels.forEach((level, i) => {
    const final = i === levels.length - 1;
    const here = index.get(level) ?? [];
    for (const matches of classes) {
      const applied = here.filter((e) => matches(e) && (final || e.propagate));
      if (applied.length === 0) continue;
      current = new Map();
      for (const entry of applied) addGrant(current, { roleid: entry.roleid, entry });
      return;
    }
  });
  const noAccess = current.get('NoAccess');
  return noAccess ? new Map([['NoAccess', noAccess]]) : current;
}

function addGrant(set: RoleSet, grant: RoleGrant): void {
  const list = set.get(grant.roleid) ?? [];
  list.push(grant);
  set.set(grant.roleid, list);
}

/**
 * `compile_acl_path`'s pool step: roles the subject holds on `/pool/{pool}`
 * (itself a full walk, so `/` propagating counts) are added to member paths,
 * but never over a NoAccess on the path itself; a NoAccess on the pool beats
 * the member's own roles; a role the path already has keeps its own source.
 */
function withPoolRoles(roles: RoleSet, subject: Subject, path: string, ctx: AccessContext, index: AclIndex): RoleSet {
  if (!isPoolMemberPath(path)) return roles;
  const fromPools: RoleSet = new Map();
  for (const pool of ctx.poolsOf(path)) {
    for (const [roleid, grants] of rolesAt(subject, `/pool/${pool}`, index)) {
      for (const g of grants) addGrant(fromPools, { ...g, roleid, pool });
    }
  }
  if (fromPools.size === 0 || roles.has('NoAccess')) return roles;
  const poolNoAccess = fromPools.get('NoAccess');
  if (poolNoAccess) return new Map([['NoAccess', poolNoAccess]]);
  const merged = new Map(roles);
  for (const [roleid, grants] of fromPools) if (!merged.has(roleid)) merged.set(roleid, grants);
  return merged;
}

function privilegesOf(roles: RoleSet, table: Readonly<Record<string, readonly Privilege[]>>): PrivSet {
  const privs: PrivSet = new Map();
  for (const [roleid, grants] of roles) {
    for (const p of table[roleid] ?? []) privs.set(p, [...(privs.get(p) ?? []), ...grants]);
  }
  return privs;
}

type Side = { roles: RoleSet; privileges: PrivSet };

type Resolution = {
  /** Normalised path, or null when it could not be normalised (nothing is granted). */
  path: string | null;
  user: Side;
  /** Only for a privilege-separated token. */
  token?: Side;
  effective: Set<Privilege>;
};

const EMPTY_SIDE: Side = { roles: new Map(), privileges: new Map() };

function resolve(ctx: AccessContext, rawPath: string): Resolution {
  const { actor } = ctx;
  if (actor.token && !actor.token.tokenid.startsWith(`${actor.userid}!`)) {
    throw new Error(`token '${actor.token.tokenid}' does not belong to user '${actor.userid}'`);
  }
  const path = normalizeAclPath(rawPath);
  // Proxmox: a path that fails normalisation is checked as undefined, which
  // grants nothing.
  if (path === null) return { path, user: EMPTY_SIDE, effective: new Set() };

  const table = { ...ctx.roles, ...BUILTIN_ROLES };
  const index = indexAcl(ctx, table);
  const side = (subject: Subject): Side => {
    const roles = withPoolRoles(rolesAt(subject, path, index), subject, path, ctx, index);
    return { roles, privileges: privilegesOf(roles, table) };
  };

  // Like root@pam, a superuser's own ACL entries are never consulted.
  const user = actor.superuser
    ? EMPTY_SIDE
    : side({ kind: 'user', userid: actor.userid, groups: new Set(actor.groups) });
  const userHas = (p: Privilege) => actor.superuser || user.privileges.has(p);
  if (!actor.token?.privsep) {
    const effective = new Set(PRIVILEGES.filter(userHas));
    return { path, user, effective };
  }
  const token = side({ kind: 'token', tokenid: actor.token.tokenid });
  const effective = new Set(PRIVILEGES.filter((p) => token.privileges.has(p) && userHas(p)));
  return { path, user, token, effective };
}

/**
 * The privileges `ctx.actor` holds on `path` (normalised first; an
 * ill-formed path yields the empty set). The single source of truth for
 * authorisation: every procedure asks this, or a helper below, once.
 */
export function effectivePrivileges(ctx: AccessContext, path: string): Set<Privilege> {
  return resolve(ctx, path).effective;
}

/** True when the actor holds `privilege` on `path`. */
export function hasPrivilege(ctx: AccessContext, path: string, privilege: Privilege): boolean {
  return effectivePrivileges(ctx, path).has(privilege);
}

/** True when the actor holds at least one of `privileges` on `path` (Proxmox's `check_any`). */
export function hasAnyPrivilege(ctx: AccessContext, path: string, privileges: readonly Privilege[]): boolean {
  const held = effectivePrivileges(ctx, path);
  return privileges.some((p) => held.has(p));
}

/** True when the actor holds every one of `privileges` on `path` (Proxmox's `check`). */
export function hasAllPrivileges(ctx: AccessContext, path: string, privileges: readonly Privilege[]): boolean {
  const held = effectivePrivileges(ctx, path);
  return privileges.every((p) => held.has(p));
}

/** Why one privilege is or is not held. */
export type PrivilegeVerdict = {
  privilege: Privilege;
  granted: boolean;
  /** Entries giving it to the user (for a token: to its owner). */
  userGrants: RoleGrant[];
  /** For a privilege-separated token: entries giving it to the token itself. */
  tokenGrants?: RoleGrant[];
  /** NoAccess entries that emptied the user's or the token's set. */
  deniedBy: RoleGrant[];
  /** One sentence for the UI. */
  reason: string;
};

/** The answer to "why can (or can't) this actor do these things here?". */
export type AccessExplanation = {
  /** The path as normalised, or as given if it could not be. */
  path: string;
  /** `userid`, or the token id when a token asks. */
  actor: string;
  superuser: boolean;
  privileges: PrivilegeVerdict[];
};

function describe(g: RoleGrant): string {
  const e = g.entry;
  const via = g.pool ? ` (via pool '${g.pool}')` : '';
  return `role ${g.roleid} on ${e.path}${e.propagate ? ' (propagated)' : ''} for ${e.type} ${e.ugid}${via}`;
}

/**
 * Explains, privilege by privilege, which ACL entries grant or deny what on
 * `path`. Asks about `only` when given, else about every privilege.
 */
export function explain(ctx: AccessContext, path: string, only?: readonly Privilege[]): AccessExplanation {
  const r = resolve(ctx, path);
  const { actor } = ctx;
  const who = actor.token?.tokenid ?? actor.userid;
  const verdicts = (only ?? PRIVILEGES).map((privilege): PrivilegeVerdict => {
    const granted = r.effective.has(privilege);
    const userGrants = r.user.privileges.get(privilege) ?? [];
    const tokenGrants = r.token?.privileges.get(privilege);
    const deniedBy = [...(r.user.roles.get('NoAccess') ?? []), ...(r.token?.roles.get('NoAccess') ?? [])];
    const reason = reasonFor({ r, actor, privilege, granted, userGrants, tokenGrants, deniedBy });
    return { privilege, granted, userGrants, ...(r.token ? { tokenGrants: tokenGrants ?? [] } : {}), deniedBy, reason };
  });
  return { path: r.path ?? path, actor: who, superuser: actor.superuser, privileges: verdicts };
}

function reasonFor(v: {
  r: Resolution;
  actor: AccessActor;
  privilege: Privilege;
  granted: boolean;
  userGrants: RoleGrant[];
  tokenGrants: RoleGrant[] | undefined;
  deniedBy: RoleGrant[];
}): string {
  const list = (gs: RoleGrant[]) => gs.map(describe).join('; ');
  if (v.r.path === null) return `'${v.privilege}' denied: the path is not a valid ACL path`;
  if (v.r.token) {
    const tokenPart = v.tokenGrants?.length
      ? `token has it by ${list(v.tokenGrants)}`
      : 'no ACL entry grants it to the token';
    const userPart = v.actor.superuser
      ? 'the user is a superuser'
      : v.userGrants.length
        ? `user has it by ${list(v.userGrants)}`
        : 'the user lacks it';
    const noAccess = v.deniedBy.length ? `; NoAccess applies: ${list(v.deniedBy)}` : '';
    return `${v.granted ? 'granted' : 'denied'} (privilege-separated token: needs both): ${tokenPart}; ${userPart}${noAccess}`;
  }
  if (v.actor.superuser) return 'granted: superuser has every privilege';
  if (v.granted) return `granted by ${list(v.userGrants)}`;
  if (v.deniedBy.length) return `denied by ${list(v.deniedBy)}`;
  return `denied: no ACL entry on ${v.r.path} or above grants it`;
}
