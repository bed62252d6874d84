/** The resource tree as flat rows, so that only the visible ones are rendered. */
export type TreeGuest = { vmid: number; name: string; status: string };
export type TreeNode = { name: string; status: string; guests: TreeGuest[] };

export type TreeRow =
  | { kind: 'node'; name: string; status: string; guests: number; shown: number; expanded: boolean }
  | { kind: 'guest'; node: string; vmid: number; name: string; status: string };

/** Lower-cased search keys, computed once per tree rather than once per keystroke. */
export type IndexedNode = TreeNode & { key: string; guestKeys: string[] };

export function indexTree(nodes: readonly TreeNode[]): IndexedNode[] {
  return nodes.map((n) => ({
    ...n,
    key: n.name.toLowerCase(),
    guestKeys: n.guests.map((g) => `${g.vmid} ${g.name}`.toLowerCase()),
  }));
}

/**
 * Rows to show: every node, its guests unless collapsed. A search shows the
 * guests whose vmid or name contains it (nodes whose name matches show all
 * of theirs), expanded, and hides nodes with nothing to show.
 */
export function treeRows(nodes: readonly IndexedNode[], collapsed: ReadonlySet<string>, search: string): TreeRow[] {
  const needle = search.trim().toLowerCase();
  const rows: TreeRow[] = [];
  for (const n of nodes) {
    const nodeMatches = needle !== '' && n.key.includes(needle);
    const guests =
      needle === '' || nodeMatches ? n.guests : n.guests.filter((_, i) => n.guestKeys[i]!.includes(needle));
    if (needle !== '' && !nodeMatches && guests.length === 0) continue;
    const expanded = needle !== '' || !collapsed.has(n.name);
    rows.push({
      kind: 'node',
      name: n.name,
      status: n.status,
      guests: n.guests.length,
      shown: guests.length,
      expanded,
    });
    if (expanded) for (const g of guests) rows.push({ kind: 'guest', node: n.name, ...g });
  }
  return rows;
}
