import { Graph, layout } from '@dagrejs/dagre';

/** What the tree needs of a snapshot. */
export type TreeSnapshot = {
  name: string;
  parent: string | null;
  snaptime: number;
  vmstate: boolean;
  description: string;
  /** Disks that lost it (shown as a warning). */
  missing: number;
};

/** The id of the "NOW" node: not a valid snapshot name, so it never clashes. */
export const NOW_ID = ':now';
/** Ids of collapsed runs: `:run:<first name>`. */
export const RUN_PREFIX = ':run:';

export type LayoutNode =
  | { kind: 'snapshot'; id: string; x: number; y: number; snap: TreeSnapshot; parent: string | null; branch: boolean }
  | { kind: 'now'; id: string; x: number; y: number; parent: string | null; running: boolean }
  | { kind: 'run'; id: string; x: number; y: number; parent: string | null; names: string[] };

export type LayoutEdge = { id: string; source: string; target: string; toNow: boolean };

export type TreeLayout = {
  nodes: LayoutNode[];
  edges: LayoutEdge[];
  /** Parent and children of each laid-out node id, for keyboard moves. */
  parentOf: Map<string, string | null>;
  childrenOf: Map<string, string[]>;
};

export const NODE_WIDTH = 168;
export const NODE_HEIGHT = 44;

export type LayoutOptions = {
  /** The current position (parent of NOW); null before the first snapshot. */
  current: string | null;
  running: boolean;
  /** Trees with more nodes than this collapse long linear runs. */
  collapseAbove?: number;
  /** Shortest run that collapses. */
  minRun?: number;
  /** Runs (by the id of their first snapshot) the user opened. */
  expanded?: ReadonlySet<string>;
  /** Snapshots that must stay visible (the selected one). */
  keep?: ReadonlySet<string>;
};

/**
 * The tree's nodes and edges with top-down positions (dagre), computed once
 * per change of the data. Snapshots whose parent is unknown (it was deleted
 * outside Horcrux) are roots. In big trees, a maximal chain of snapshots that
 * each have one child, under a parent with one child, collapses into one
 * expandable node, except for the current position and kept snapshots.
 */
export function layoutTree(snapshots: TreeSnapshot[], o: LayoutOptions): TreeLayout {
  const byName = new Map(snapshots.map((s) => [s.name, s]));
  const parentOfSnap = (s: TreeSnapshot) => (s.parent !== null && byName.has(s.parent) ? s.parent : null);
  const kids = new Map<string | null, string[]>();
  for (const s of snapshots) {
    const p = parentOfSnap(s);
    kids.set(p, [...(kids.get(p) ?? []), s.name]);
  }
  const current = o.current !== null && byName.has(o.current) ? o.current : null;
  // NOW counts as a child: the current position is a branch point if it has a child already.
  const childCount = (name: string) => (kids.get(name)?.length ?? 0) + (name === current ? 1 : 0);

  // Which snapshots fold into runs.
  const runOf = new Map<string, string>();
  const runs = new Map<string, string[]>();
  if (snapshots.length + 1 > (o.collapseAbove ?? 60)) {
    const minRun = o.minRun ?? 3;
    const inner = (s: TreeSnapshot) => {
      const p = parentOfSnap(s);
      return (
        p !== null &&
        childCount(p) === 1 &&
        childCount(s.name) === 1 &&
        s.name !== current &&
        !o.keep?.has(s.name) &&
        !(s.missing > 0)
      );
    };
    // Walk down from each run's first inner node (whose parent is not inner).
    const isInner = new Map(snapshots.map((s) => [s.name, inner(s)]));
    for (const s of snapshots) {
      if (!isInner.get(s.name) || isInner.get(parentOfSnap(s)!)) continue;
      const names = [s.name];
      let next = kids.get(s.name)?.[0];
      while (next !== undefined && isInner.get(next)) {
        names.push(next);
        next = kids.get(next)?.[0];
      }
      const id = `${RUN_PREFIX}${s.name}`;
      if (names.length >= minRun && !o.expanded?.has(id)) {
        runs.set(id, names);
        for (const n of names) runOf.set(n, id);
      }
    }
  }
  const visible = (name: string | null): string | null => (name === null ? null : (runOf.get(name) ?? name));

  const g = new Graph();
  g.setGraph({ rankdir: 'TB', nodesep: 24, ranksep: 36, marginx: 16, marginy: 16 });
  g.setDefaultEdgeLabel(() => ({}));
  const parentOf = new Map<string, string | null>();
  const childrenOf = new Map<string, string[]>();
  const link = (p: string | null, c: string) => {
    parentOf.set(c, p);
    if (!childrenOf.has(c)) childrenOf.set(c, []);
    if (p !== null) {
      childrenOf.set(p, [...(childrenOf.get(p) ?? []), c]);
      g.setEdge(p, c);
    }
  };
  for (const s of snapshots) {
    if (runOf.has(s.name)) continue;
    g.setNode(s.name, { width: NODE_WIDTH, height: NODE_HEIGHT });
  }
  for (const id of runs.keys()) g.setNode(id, { width: NODE_WIDTH, height: NODE_HEIGHT });
  g.setNode(NOW_ID, { width: NODE_WIDTH, height: NODE_HEIGHT });
  for (const s of snapshots) {
    if (runOf.has(s.name)) continue;
    link(visible(parentOfSnap(s)), s.name);
  }
  for (const [id, names] of runs) link(visible(parentOfSnap(byName.get(names[0]!)!)), id);
  link(current, NOW_ID);
  layout(g);

  const pos = (id: string) => {
    const n = g.node(id) as { x: number; y: number };
    return { x: n.x - NODE_WIDTH / 2, y: n.y - NODE_HEIGHT / 2 };
  };
  const nodes: LayoutNode[] = [];
  for (const s of snapshots) {
    if (runOf.has(s.name)) continue;
    nodes.push({
      kind: 'snapshot',
      id: s.name,
      ...pos(s.name),
      snap: s,
      parent: parentOf.get(s.name) ?? null,
      branch: childCount(s.name) > 1,
    });
  }
  for (const [id, names] of runs) nodes.push({ kind: 'run', id, ...pos(id), parent: parentOf.get(id) ?? null, names });
  nodes.push({ kind: 'now', id: NOW_ID, ...pos(NOW_ID), parent: current, running: o.running });

  const edges: LayoutEdge[] = [];
  for (const [child, parent] of parentOf) {
    if (parent !== null)
      edges.push({ id: `${parent}->${child}`, source: parent, target: child, toNow: child === NOW_ID });
  }
  return { nodes, edges, parentOf, childrenOf };
}
