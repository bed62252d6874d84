import type { Db } from '@/server/db';
import type { Permissions } from '@/server/services/access/permissions';
import { isOnline } from '@/server/services/nodes/nodes';
import { guestSnapshot, nodeSnapshot } from './guest-snapshot';
import { encodeResourceTree, type ClusterInfo, type ResourceTree, type TreeGuest } from './tree-wire';

export type { ClusterInfo, ResourceTree };

/**
 * The cluster's name and what the caller may do at the datacenter level (top
 * bar, datacenter pages). `known`: the state generation the request read.
 */
export async function clusterInfo(db: Db, perms: Permissions, known?: bigint): Promise<ClusterInfo> {
  return {
    name: (await nodeSnapshot(db, known)).clusterName ?? 'Datacenter',
    can: {
      audit: perms.has('Sys.Audit', '/'),
      createVm: perms.has('VM.Allocate', '/vms'),
      addNode: perms.has('Sys.Modify', '/'),
    },
  };
}

/** Per caller's permissions (one object per actor and access generation): the last tree built and its key. */
const built = new WeakMap<Permissions, { key: string; json: string }>();

/**
 * The resource tree of the left pane, Datacenter → nodes → guests, with only
 * what the caller may audit, as JSON text. With ten thousand guests, building
 * and serializing the tree is the costly part, so the text is kept per caller
 * until a guest, a node's state, the cluster name or the caller's rights
 * change; then it is built again from the in-memory guest snapshot
 * (./guest-snapshot: no query at all while the state generation the request
 * read, `known`, has not moved). The browser reads it with
 * `parseResourceTree` (./tree-wire).
 */
export async function resourceTreeJson(db: Db, perms: Permissions, known?: bigint): Promise<string> {
  const [info, { nodes }, snapshot] = await Promise.all([
    clusterInfo(db, perms, known),
    nodeSnapshot(db, known),
    guestSnapshot(db, known),
  ]);
  const states = nodes.map((n) => ({ name: n.name, online: isOnline(n.lastSeenAt) }));
  const key = JSON.stringify([snapshot.version, info, states]);
  const hit = built.get(perms);
  if (hit?.key === key) return hit.json;

  const byNode = new Map<string, TreeGuest[]>();
  for (const g of snapshot.guests) {
    if (!perms.has('VM.Audit', `/vms/${g.vmid}`)) continue;
    let list = byNode.get(g.node);
    if (!list) byNode.set(g.node, (list = []));
    list.push({ vmid: g.vmid, name: g.name, status: g.status });
  }
  const tree: ResourceTree = {
    cluster: info,
    nodes: states
      // A node appears when the caller may audit it or sees a guest on it, as in Proxmox's tree.
      .filter((n) => perms.has('Sys.Audit', `/nodes/${n.name}`) || byNode.has(n.name))
      .map((n) => ({
        name: n.name,
        status: n.online ? 'online' : 'offline',
        guests: (byNode.get(n.name) ?? []).map((g) => (n.online ? g : { ...g, status: 'unknown' })),
      })),
  };
  const json = encodeResourceTree(tree);
  built.set(perms, { key, json });
  return json;
}
