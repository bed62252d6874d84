import type { Db } from '@/server/db';
import type { Permissions } from '@/server/services/access/permissions';
import { isOnline } from '@/server/services/nodes/nodes';
import { clusterName } from '@/server/services/setup/setup';

export type ResourceTree = {
  cluster: { name: string; can: { audit: boolean; createVm: boolean; addNode: boolean } };
  nodes: { name: string; status: 'online' | 'offline'; guests: { vmid: number; name: string; status: string }[] }[];
};

/** The resource tree of the left pane: Datacenter → nodes → guests, with only what the caller may audit. */
export async function resourceTree(db: Db, perms: Permissions): Promise<ResourceTree> {
  const [name, nodes, guests] = await Promise.all([
    clusterName(db),
    db.node.findMany({ orderBy: { name: 'asc' }, select: { name: true, lastSeenAt: true } }),
    db.guest.findMany({ orderBy: { vmid: 'asc' }, select: { vmid: true, name: true, status: true, nodeName: true } }),
  ]);
  const byNode = new Map<string, ResourceTree['nodes'][number]['guests']>();
  for (const g of guests) {
    if (!perms.has('VM.Audit', `/vms/${g.vmid}`)) continue;
    const list = byNode.get(g.nodeName) ?? [];
    list.push({ vmid: g.vmid, name: g.name, status: g.status });
    byNode.set(g.nodeName, list);
  }
  return {
    cluster: {
      name: name ?? 'Datacenter',
      can: {
        audit: perms.has('Sys.Audit', '/'),
        createVm: perms.has('VM.Allocate', '/vms'),
        addNode: perms.has('Sys.Modify', '/'),
      },
    },
    nodes: nodes
      // A node appears when the caller may audit it or sees a guest on it, as in Proxmox's tree.
      .filter((n) => perms.has('Sys.Audit', `/nodes/${n.name}`) || byNode.has(n.name))
      .map((n) => {
        const online = isOnline(n.lastSeenAt);
        return {
          name: n.name,
          status: online ? 'online' : 'offline',
          guests: (byNode.get(n.name) ?? []).map((g) => (online ? g : { ...g, status: 'unknown' })),
        };
      }),
  };
}
