/**
 * The resource tree as the console sends it and the browser reads it. With
 * ten thousand guests the tree is the largest answer the UI polls, so guests
 * travel as `[vmid, name, status]` tuples: half the bytes of objects, and
 * the JSON text (sent inside tRPC's own JSON) needs half the escaping.
 * Pure functions, shared by the server and the browser.
 */
export type ClusterInfo = { name: string; can: { audit: boolean; createVm: boolean; addNode: boolean } };

export type TreeGuest = { vmid: number; name: string; status: string };

export type ResourceTree = {
  cluster: ClusterInfo;
  nodes: { name: string; status: 'online' | 'offline'; guests: TreeGuest[] }[];
};

type WireGuest = [vmid: number, name: string, status: string];
type WireTree = Omit<ResourceTree, 'nodes'> & {
  nodes: (Omit<ResourceTree['nodes'][number], 'guests'> & { guests: WireGuest[] })[];
};

export function encodeResourceTree(tree: ResourceTree): string {
  const wire: WireTree = {
    cluster: tree.cluster,
    nodes: tree.nodes.map((n) => ({ ...n, guests: n.guests.map((g): WireGuest => [g.vmid, g.name, g.status]) })),
  };
  return JSON.stringify(wire);
}

export function parseResourceTree(json: string): ResourceTree {
  const wire = JSON.parse(json) as WireTree;
  return {
    cluster: wire.cluster,
    nodes: wire.nodes.map((n) => ({
      ...n,
      guests: n.guests.map(([vmid, name, status]) => ({ vmid, name, status })),
    })),
  };
}
