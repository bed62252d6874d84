/**
 * ACL paths, with Proxmox's two separate checks (pve-access-control
 * `src/PVE/AccessControl.pm`):
 *
 * - `normalize_path` is syntax only. It runs on every permission check and
 *   on every stored ACL line; see {@link normalizeAclPath}.
 * - `check_path` is the list of places an ACL may be *set*; `PUT /access/acl`
 *   refuses anything else. See {@link parseAclPath}.
 */

/**
 * Proxmox's `normalize_path`: collapse repeated slashes, strip one trailing
 * slash, make the path absolute, then allow only ASCII letters, digits,
 * `.`, `-`, `_` and `/`.
 *
 * @returns the normalised path, or `null` for an empty or ill-formed one.
 */
export function normalizeAclPath(raw: string): string | null {
  if (raw === '') return null;
  let path = raw.replace(/\/+/g, '/').replace(/\/$/, '');
  if (path === '') path = '/';
  if (!path.startsWith('/')) path = `/${path}`;
  return /^[A-Za-z0-9.\-_/]+$/.test(path) ? path : null;
}

const ID = '[A-Za-z0-9.\\-_]+';

/**
 * Where an ACL may be placed. `/vms/{vmid}` needs vmid >= 100 (Proxmox's
 * `[1-9][0-9]{2,}`); the VLAN level under a vnet and the `/mapping` tree are
 * in Proxmox's `check_path` too, so they are accepted here as well.
 */
const ACL_PATH_SHAPES: readonly (readonly [shape: string, pattern: string])[] = [
  ['/', '/'],
  ['/access', '/access'],
  ['/access/groups', '/access/groups'],
  ['/access/groups/{group}', `/access/groups/${ID}`],
  ['/access/realm', '/access/realm'],
  ['/access/realm/{realm}', `/access/realm/${ID}`],
  ['/nodes', '/nodes'],
  ['/nodes/{node}', `/nodes/${ID}`],
  ['/pool', '/pool'],
  ['/pool/{pool}', `/pool/${ID}`],
  ['/sdn', '/sdn'],
  ['/sdn/zones', '/sdn/zones'],
  ['/sdn/zones/{zone}', `/sdn/zones/${ID}`],
  ['/sdn/zones/{zone}/{vnet}', `/sdn/zones/${ID}/${ID}`],
  ['/sdn/zones/{zone}/{vnet}/{vlan}', `/sdn/zones/${ID}/${ID}/[1-9][0-9]{0,3}`],
  ['/storage', '/storage'],
  ['/storage/{storage}', `/storage/${ID}`],
  ['/vms', '/vms'],
  ['/vms/{vmid}', '/vms/[1-9][0-9]{2,}'],
  ['/mapping', '/mapping'],
  ['/mapping/{type}', `/mapping/${ID}`],
  ['/mapping/{type}/{id}', `/mapping/${ID}/${ID}`],
];

const ACL_PATH_RE = new RegExp(`^(?:${ACL_PATH_SHAPES.map(([, p]) => p).join('|')})$`);

/** The accepted shapes, for error messages and UI hints. */
export const ACL_PATH_SHAPE_NAMES: readonly string[] = ACL_PATH_SHAPES.map(([s]) => s);

/** Result of {@link parseAclPath}. */
export type AclPathResult = { ok: true; path: string } | { ok: false; message: string };

/**
 * Validates a path an ACL entry is to be placed on: normalises it, then
 * requires one of the shapes in {@link ACL_PATH_SHAPE_NAMES}.
 * Use at the boundary (e.g. in a zod `superRefine`) with the message as is.
 */
export function parseAclPath(raw: string): AclPathResult {
  const path = normalizeAclPath(raw);
  if (path === null) {
    return {
      ok: false,
      message: `invalid ACL path '${raw}': use only letters, digits, '.', '-', '_' and '/'`,
    };
  }
  if (!ACL_PATH_RE.test(path)) {
    return {
      ok: false,
      message:
        `unknown ACL path '${path}': expected one of ${ACL_PATH_SHAPE_NAMES.join(', ')}` +
        ' (vmid >= 100, vlan 1-9999)',
    };
  }
  return { ok: true, path };
}

/**
 * The levels a permission check walks for a normalised path, root first:
 * `/vms/100` gives `['/', '/vms', '/vms/100']`.
 */
export function aclPathLevels(path: string): string[] {
  const levels = ['/'];
  let prefix = '';
  for (const part of path.split('/')) {
    if (part === '') continue;
    prefix += `/${part}`;
    levels.push(prefix);
  }
  return levels;
}

/**
 * True for the paths pool membership applies to: Proxmox's
 * `compile_acl_path` copies `/pool/{pool}` roles onto exactly `/vms/{vmid}`
 * and `/storage/{id}` of the pool's members, nothing else.
 */
export function isPoolMemberPath(path: string): boolean {
  return /^\/(?:vms|storage)\/[^/]+$/.test(path);
}
