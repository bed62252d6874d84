import type { Db } from '@/server/db';
import type { Permissions } from '@/server/services/access/permissions';
import { isOnline } from '@/server/services/nodes/nodes';
import { guestSnapshot, nodeSnapshot, type SnapshotGuest } from './guest-snapshot';
import { encodeTreeNode, joinTree, type ClusterInfo, type ResourceTree, type TreeGuest } from './tree-wire';

export type { ClusterInfo, ResourceTree };

/**
 * The cluster's name and what the caller may do at the datacenter level (top
 * bar, datacenter pages). `known`: the state generation the request read.
 */
export async function clusterInfo(db: Db, perms: Permissions, known?: bigint): Promise<ClusterInfo> {
  return infoOf((await nodeSnapshot(db, known)).clusterName, perms);
}

function infoOf(clusterName: string | null, perms: Permissions): ClusterInfo {
  return {
    name: clusterName ?? 'Datacenter',
    can: {
      audit: perms.has('Sys.Audit', '/'),
      createVm: perms.has('VM.Allocate', '/vms'),
      addNode: perms.has('Sys.Modify', '/'),
    },
  };
}

type Fragment = { guests: readonly SnapshotGuest[]; online: boolean; json: string | null };

/**
 * Per caller's permissions (one object per actor and access generation): the
 * last tree built, its key, and each node's part of it with the guest list it
 * was made from.
 */
const built = new WeakMap<Permissions, { key: string; json: string; fragments: Map<string, Fragment> }>();

/**
 * The resource tree of the left pane, Datacenter → nodes → guests, with only
 * what the caller may audit, as JSON text. With ten thousand guests, building
 * and serializing the tree is the costly part, so the text is kept per caller
 * until a guest, a node's state, the cluster name or the caller's rights
 * change; then only the nodes whose guests or state changed are encoded
 * again, from the in-memory guest snapshot (./guest-snapshot: no query at all
 * while the state generation the request read, `known`, has not moved). The
 * browser reads it with `parseResourceTree` (./tree-wire).
 */
export async function resourceTreeJson(db: Db, perms: Permissions, known?: bigint): Promise<string> {
  const [{ clusterName, nodes }, snapshot] = await Promise.all([nodeSnapshot(db, known), guestSnapshot(db, known)]);
  const info = infoOf(clusterName, perms);
  const states = nodes.map((n) => ({ name: n.name, online: isOnline(n.lastSeenAt) }));
  const key = JSON.stringify([snapshot.version, info, states]);
  const hit = built.get(perms);
  if (hit?.key === key) return hit.json;

  const fragments = new Map<string, Fragment>();
  const parts: string[] = [];
  for (const n of states) {
    const guests = snapshot.onNode(n.name);
    const old = hit?.fragments.get(n.name);
    let fragment = old && old.guests === guests && old.online === n.online ? old : undefined;
    if (!fragment) {
      const visible: TreeGuest[] = [];
      for (const g of guests) {
        if (perms.has('VM.Audit', `/vms/${g.vmid}`))
          visible.push({ vmid: g.vmid, name: g.name, status: n.online ? g.status : 'unknown' });
      }
      // A node appears when the caller may audit it or sees a guest on it, as in Proxmox's tree.
      const shown = visible.length > 0 || perms.has('Sys.Audit', `/nodes/${n.name}`);
      const status = n.online ? 'online' : 'offline';
      fragment = {
        guests,
        online: n.online,
        json: shown ? encodeTreeNode({ name: n.name, status, guests: visible }) : null,
      };
    }
    fragments.set(n.name, fragment);
    if (fragment.json !== null) parts.push(fragment.json);
  }
  const json = joinTree(info, parts);
  built.set(perms, { key, json, fragments });
  return json;
}
