import type { Privilege } from '@/server/access/privileges';
import type { Permissions } from './permissions';

/** Which Datacenter tabs the shell offers; the pages' procedures enforce the rules themselves. */
export type ConsoleTabs = {
  acl: boolean;
  users: boolean;
  groups: boolean;
  roles: boolean;
  realms: boolean;
  pools: boolean;
  audit: boolean;
};

/**
 * Like Proxmox's `compute_api_permission`: the privileges held on the fixed
 * top paths and on every path some ACL entry names (so a grant on
 * /access/groups/devs or /pool/dev counts).
 */
export function consoleTabs(perms: Permissions): ConsoleTabs {
  const paths = new Set([
    '/',
    '/access',
    '/access/groups',
    '/access/realm',
    '/pool',
    ...perms.context.acl.map((e) => e.path),
  ]);
  const held = (prefix: string, privs: readonly Privilege[]) =>
    [...paths].some(
      (p) => (p === prefix || p.startsWith(`${prefix}/`) || prefix === '/') && privs.some((x) => perms.has(x, p)),
    );
  const userAdmin = held('/access', ['User.Modify', 'Sys.Audit', 'Group.Allocate']);
  return {
    acl: held('/', ['Permissions.Modify', 'Sys.Audit']),
    users: userAdmin,
    groups: userAdmin,
    roles: userAdmin || held('/access', ['Sys.Modify', 'Permissions.Modify']),
    realms: held('/access/realm', ['Realm.Allocate', 'Sys.Audit']),
    pools: held('/pool', ['Pool.Audit', 'Pool.Allocate']),
    audit: perms.has('Sys.Audit', '/'),
  };
}
