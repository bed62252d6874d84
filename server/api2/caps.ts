import type { Permissions } from '@/server/services/access/permissions';

const GROUPS: Record<string, { path: string; prefixes: string[] }> = {
  vms: { path: '/vms', prefixes: ['VM.', 'Permissions.Modify'] },
  storage: { path: '/storage', prefixes: ['Datastore.', 'Permissions.Modify'] },
  access: { path: '/access', prefixes: ['User.', 'Group.', 'Realm.', 'Permissions.Modify', 'Sys.Audit'] },
  nodes: { path: '/nodes', prefixes: ['Sys.', 'Permissions.Modify'] },
  dc: { path: '/', prefixes: ['Sys.Audit', 'Sys.Modify', 'SDN.', 'Pool.', 'Mapping.'] },
  sdn: { path: '/sdn', prefixes: ['SDN.', 'Permissions.Modify'] },
};

/** The `cap` object of a ticket answer: the privileges on the top-level paths (the web UI uses it). */
export function capabilities(perms: Permissions): Record<string, Record<string, 1>> {
  const out: Record<string, Record<string, 1>> = {};
  for (const [name, { path, prefixes }] of Object.entries(GROUPS)) {
    const privs = [...perms.privilegesOn(path)].filter((p) => prefixes.some((x) => p.startsWith(x))).sort();
    out[name] = Object.fromEntries(privs.map((p) => [p, 1]));
  }
  return out;
}
