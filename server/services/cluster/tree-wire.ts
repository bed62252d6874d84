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

export type TreeNode = ResourceTree['nodes'][number];

/** One node of the tree as JSON text: the server keeps these per node and rebuilds only those that changed. */
export function encodeTreeNode(n: TreeNode): string {
  const wire: WireTree['nodes'][number] = {
    name: n.name,
    status: n.status,
    guests: n.guests.map((g): WireGuest => [g.vmid, g.name, g.status]),
  };
  return JSON.stringify(wire);
}

/** The tree's JSON text from its nodes' (made by {@link encodeTreeNode}). */
export function joinTree(cluster: ClusterInfo, encodedNodes: readonly string[]): string {
  return `{"cluster":${JSON.stringify(cluster)},"nodes":[${encodedNodes.join(',')}]}`;
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
