/**
 * Proxmox's composite permission checks (`exec_api2_perm_check` in
 * pve-access-control `src/PVE/RPCEnvironment.pm`), as data, so that a
 * procedure declares its rule once and tests can enumerate it. The input
 * fields the tests read are fixed: `userid`, `groups`, `path`.
 */
import { normalizeAclPath } from './paths';
import type { Privilege } from './privileges';

export type Check =
  /** `['perm', path, privs, any => 1]`: placeholders `{field}` filled from the input. */
  | { test: 'perm'; path: string; privileges: readonly Privilege[]; any?: boolean }
  /** `['userid-param', 'self']`: `input.userid` is the caller. A token is never "self". */
  | { test: 'self' }
  /** `['userid-param', 'Realm.AllocateUser']`: on `/access/realm/<realm of input.userid>`. */
  | { test: 'realm-allocate-user' }
  /**
   * `['userid-group', privs, groups_param => ...]`: any of `privileges` on
   * `/access/groups`, or on a group `input.userid` belongs to; with `groups`,
   * also on every group named in `input.groups` ('create'), or every group
   * added or removed by it ('update', stricter than Proxmox, which lets a
   * group admin drop a user's other memberships).
   */
  | { test: 'user-group'; privileges: readonly Privilege[]; groups?: 'create' | 'update' }
  /** `['perm-modify', '{path}']`: Permissions.Modify (or the allocate privilege of the object) on `input.path`. */
  | { test: 'perm-modify' }
  /** Not an API token (Proxmox's `allowtoken => 0`). */
  | { test: 'session' }
  | { test: 'and'; checks: readonly Check[] }
  | { test: 'or'; checks: readonly Check[] };

/** What evaluation needs to know; the database parts are lazy. */
export type CheckEnv = {
  actor: { userid: string; isToken: boolean };
  has(privilege: Privilege, path: string): boolean;
  /** The groups of an existing user, or null when there is no such user. */
  groupsOf(userid: string): Promise<readonly string[] | null>;
};

/** A refusal: what is missing, for the FORBIDDEN message. */
export type Denial = { missing: string };

const PATH_VALUE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

function field(input: unknown, name: string): unknown {
  return input && typeof input === 'object' ? (input as Record<string, unknown>)[name] : undefined;
}

/** Fills `{field}` placeholders; null when a value is missing or not path-safe. */
export function fillCheckPath(template: string, input: unknown): string | null {
  let bad = false;
  const path = template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const v = field(input, name);
    const text = typeof v === 'number' || typeof v === 'string' ? String(v) : '';
    if (!PATH_VALUE.test(text)) bad = true;
    return text;
  });
  return bad ? null : path;
}

/** Proxmox's `check_perm_modify`: the extra privilege that also allows changing ACLs on an object. */
export function permModifyPrivileges(path: string): Privilege[] {
  if (/^\/storage\/.+$/.test(path)) return ['Permissions.Modify', 'Datastore.Allocate'];
  if (/^\/vms\/.+$/.test(path)) return ['Permissions.Modify', 'VM.Allocate'];
  if (/^\/pool\/.+$/.test(path)) return ['Permissions.Modify', 'Pool.Allocate'];
  return ['Permissions.Modify'];
}

function anyOn(env: CheckEnv, path: string, privs: readonly Privilege[]): boolean {
  return privs.some((p) => env.has(p, path));
}

function stringList(v: unknown): string[] | null {
  if (v === undefined) return null;
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

async function userGroup(
  check: Extract<Check, { test: 'user-group' }>,
  env: CheckEnv,
  input: unknown,
): Promise<Denial | null> {
  const privs = check.privileges;
  const missing = { missing: `${privs.join(' or ')} on /access/groups or on a group of the user` };
  if (anyOn(env, '/access/groups', privs)) return null;
  const userid = field(input, 'userid');
  const allowed = (g: string) => PATH_VALUE.test(g) && anyOn(env, `/access/groups/${g}`, privs);
  const listed = stringList(field(input, 'groups'));
  if (check.groups === 'create') {
    // Proxmox refuses a group-scoped admin who names no group: the user would be nobody's.
    if (!listed?.length || !listed.every(allowed)) return missing;
    return null;
  }
  const current = typeof userid === 'string' ? await env.groupsOf(userid) : null;
  if (!current || !current.some(allowed)) return missing;
  if (check.groups === 'update' && listed) {
    const changed = [...listed.filter((g) => !current.includes(g)), ...current.filter((g) => !listed.includes(g))];
    if (!changed.every(allowed)) return missing;
  }
  return null;
}

/** Evaluates a check for the caller; null when allowed. */
export async function evaluateCheck(check: Check, env: CheckEnv, input: unknown): Promise<Denial | null> {
  switch (check.test) {
    case 'perm': {
      const path = fillCheckPath(check.path, input);
      const ok =
        path !== null &&
        (check.any ? anyOn(env, path, check.privileges) : check.privileges.every((p) => env.has(p, path)));
      return ok ? null : { missing: `${check.privileges.join(check.any ? ' or ' : ' and ')} on ${path ?? check.path}` };
    }
    case 'self':
      return !env.actor.isToken && field(input, 'userid') === env.actor.userid ? null : { missing: 'being that user' };
    case 'realm-allocate-user': {
      const userid = field(input, 'userid');
      const realm = typeof userid === 'string' ? userid.slice(userid.lastIndexOf('@') + 1) : '';
      const path = `/access/realm/${realm}`;
      return PATH_VALUE.test(realm) && env.has('Realm.AllocateUser', path)
        ? null
        : { missing: `Realm.AllocateUser on ${path}` };
    }
    case 'user-group':
      return userGroup(check, env, input);
    case 'perm-modify': {
      const raw = field(input, 'path');
      const path = typeof raw === 'string' ? normalizeAclPath(raw) : null;
      if (path === null) return { missing: 'Permissions.Modify on a valid path' };
      const privs = permModifyPrivileges(path);
      return anyOn(env, path, privs) ? null : { missing: `${privs.join(' or ')} on ${path}` };
    }
    case 'session':
      return env.actor.isToken ? { missing: 'a signed-in session (API tokens may not do this)' } : null;
    case 'and': {
      for (const c of check.checks) {
        const d = await evaluateCheck(c, env, input);
        if (d) return d;
      }
      return null;
    }
    case 'or': {
      const denials: Denial[] = [];
      for (const c of check.checks) {
        const d = await evaluateCheck(c, env, input);
        if (!d) return null;
        denials.push(d);
      }
      return { missing: denials.map((d) => d.missing).join(', or ') };
    }
  }
}
