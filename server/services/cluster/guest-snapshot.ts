import type { Db } from '@/server/db';

/** A guest's row as the console mirrors it. Shared by every caller: never modify one. */
export type SnapshotGuest = {
  vmid: number;
  name: string;
  /** Lower case, for searches. */
  nameLower: string;
  status: string;
  reason: string | null;
  node: string;
  lock: string | null;
  startedAt: Date | null;
  config: unknown;
  pending: unknown;
};

/**
 * Every guest, sorted by vmid, by vmid and by node, and a version that
 * changes whenever any of them does.
 */
export type GuestSnapshot = {
  guests: readonly SnapshotGuest[];
  byVmid: ReadonlyMap<number, SnapshotGuest>;
  /** A node's guests in vmid order (an empty list for a node without any). */
  onNode(node: string): readonly SnapshotGuest[];
  /** The nodes that have guests. A node's list stays the same array while none of its guests change. */
  nodes(): Iterable<string>;
  version: number;
};

/** The cluster's name and its nodes (sorted by name) with when each was last heard from. */
export type NodeSnapshot = {
  clusterName: string | null;
  nodes: readonly { name: string; lastSeenAt: Date | null }[];
  /** When each node was last heard from, by name. */
  lastSeen: ReadonlyMap<string, Date | null>;
};

type State = {
  byVmid: Map<number, SnapshotGuest>;
  sorted: SnapshotGuest[];
  byNode?: Map<string, SnapshotGuest[]>;
  count: number;
  maxUpdatedMs: number;
  version: number;
  /** The state generation read before the rows were, when the caller knew it. */
  generation: bigint | undefined;
};

/** Rows updated this long before the newest one seen are read again, for transactions that commit late. */
const OVERLAP_MS = 5_000;
/** How stale a node's lastSeenAt may be here: it only decides online or offline, which takes 30 s to change. */
const NODES_TTL_MS = 2_000;
const states = new WeakMap<Db, State>();
type Read = { generation: bigint | undefined; snapshot: Promise<GuestSnapshot> };
/** Per database: the read of the guests running, and the one queued after it. */
const reads = new WeakMap<Db, { running?: Read; queued?: Read }>();
const nodeStates = new WeakMap<Db, { at: number; generation: bigint | undefined; snapshot: Promise<NodeSnapshot> }>();
let versions = 0;

const SELECT = {
  vmid: true,
  name: true,
  status: true,
  reason: true,
  nodeName: true,
  lock: true,
  startedAt: true,
  config: true,
  pending: true,
  updatedAt: true,
} as const;
type Row = {
  vmid: number;
  name: string;
  status: string;
  reason: string | null;
  nodeName: string;
  lock: string | null;
  startedAt: Date | null;
  config: unknown;
  pending: unknown;
  updatedAt: Date;
};

// An object literal, not a spread: the tree and the searches read these fields
// ten thousand times per request, and V8 keeps literals in fast mode.
const toGuest = (r: Row): SnapshotGuest => ({
  vmid: r.vmid,
  name: r.name,
  nameLower: r.name.toLowerCase(),
  status: r.status,
  reason: r.reason,
  node: r.nodeName,
  lock: r.lock,
  startedAt: r.startedAt,
  config: r.config,
  pending: r.pending,
});

function build(rows: Row[], count: number, generation: bigint | undefined): State {
  const byVmid = new Map(rows.map((r) => [r.vmid, toGuest(r)]));
  const maxUpdatedMs = rows.reduce((m, r) => Math.max(m, r.updatedAt.getTime()), 0);
  return {
    byVmid,
    sorted: [...byVmid.values()].sort((a, b) => a.vmid - b.vmid),
    count,
    maxUpdatedMs,
    version: ++versions,
    generation,
  };
}

function sameGuest(a: SnapshotGuest, b: SnapshotGuest): boolean {
  return (
    a.name === b.name &&
    a.status === b.status &&
    a.reason === b.reason &&
    a.node === b.node &&
    a.lock === b.lock &&
    (a.startedAt?.getTime() ?? null) === (b.startedAt?.getTime() ?? null) &&
    JSON.stringify(a.config) === JSON.stringify(b.config) &&
    JSON.stringify(a.pending) === JSON.stringify(b.pending)
  );
}

/**
 * The next state after `changed` rows were read, or null when rows were
 * deleted (the count does not add up): then everything is read again.
 * Unchanged guests, and the lists of nodes none of whose guests changed, stay
 * the same objects, so the resource tree rebuilds only the nodes that moved.
 */
function applyChanges(state: State, changed: Row[], count: number, maxUpdatedMs: number): State | null {
  const replaced = new Map<number, SnapshotGuest>();
  for (const r of changed) {
    const g = toGuest(r);
    const old = state.byVmid.get(r.vmid);
    if (!old || !sameGuest(old, g)) replaced.set(r.vmid, g);
  }
  const added = [...replaced.keys()].filter((vmid) => !state.byVmid.has(vmid));
  if (state.byVmid.size + added.length !== count) return null;
  const newest = Math.max(maxUpdatedMs, ...changed.map((r) => r.updatedAt.getTime()));
  if (replaced.size === 0) return { ...state, maxUpdatedMs: newest };
  const moved = [...replaced.values()].some((g) => {
    const old = state.byVmid.get(g.vmid);
    return old !== undefined && old.node !== g.node;
  });
  // Views handed out read the map synchronously, so it may change under them: it only gets newer.
  for (const [vmid, g] of replaced) state.byVmid.set(vmid, g);
  let sorted: SnapshotGuest[];
  let byNode: State['byNode'];
  if (added.length > 0) sorted = [...state.byVmid.values()].sort((a, b) => a.vmid - b.vmid);
  else sorted = state.sorted.map((g) => replaced.get(g.vmid) ?? g);
  if (added.length === 0 && !moved && state.byNode) {
    byNode = new Map(state.byNode);
    for (const node of new Set([...replaced.values()].map((g) => g.node))) {
      byNode.set(
        node,
        (byNode.get(node) ?? []).map((g) => replaced.get(g.vmid) ?? g),
      );
    }
  }
  return { ...state, sorted, byNode, count, maxUpdatedMs: newest, version: ++versions };
}

async function refresh(db: Db, generation: bigint | undefined): Promise<GuestSnapshot> {
  const agg = await db.guest.aggregate({ _count: { _all: true }, _max: { updatedAt: true } });
  const count = agg._count._all;
  const maxUpdatedMs = agg._max.updatedAt?.getTime() ?? 0;
  let state = states.get(db);
  if (state && state.count === count && state.maxUpdatedMs === maxUpdatedMs) {
    state.generation = generation;
    return view(state);
  }
  if (state) {
    // Only what changed since the last look; a deletion shows as a count that does not add up.
    const changed = await db.guest.findMany({
      where: { updatedAt: { gte: new Date(state.maxUpdatedMs - OVERLAP_MS) } },
      select: SELECT,
    });
    const next = applyChanges(state, changed, count, maxUpdatedMs);
    if (next) {
      next.generation = generation;
      states.set(db, next);
      return view(next);
    }
  }
  state = build(await db.guest.findMany({ select: SELECT }), count, generation);
  states.set(db, state);
  return view(state);
}

function byNode(s: State): Map<string, SnapshotGuest[]> {
  if (!s.byNode) {
    s.byNode = new Map();
    for (const g of s.sorted) {
      const list = s.byNode.get(g.node);
      if (list) list.push(g);
      else s.byNode.set(g.node, [g]);
    }
  }
  return s.byNode;
}

const NONE: readonly SnapshotGuest[] = [];

const view = (s: State): GuestSnapshot => ({
  guests: s.sorted,
  byVmid: s.byVmid,
  onNode: (node) => byNode(s).get(node) ?? NONE,
  nodes: () => byNode(s).keys(),
  version: s.version,
});

/**
 * The guests as the resource tree and the guest lists need them. Safe with
 * several consoles on one database: each one asks the database, not its own
 * memory, whether anything moved. A browser request already read the state
 * generation with its session (`known`); while it is the one this snapshot
 * was read at, the answer comes from memory without a query. Otherwise one
 * aggregate query tells whether anything changed, and only the rows that did
 * are read.
 */
export function guestSnapshot(db: Db, known?: bigint): Promise<GuestSnapshot> {
  const state = states.get(db);
  if (known !== undefined && state?.generation === known) return Promise.resolve(view(state));
  let r = reads.get(db);
  if (!r) reads.set(db, (r = {}));
  const slot = r;
  // A read running for this very generation answers this request too; one for another generation
  // (or for a caller that read none) may have started before this request's change: the queued read
  // starts after it and answers every request that arrived meanwhile.
  if (slot.running && known !== undefined && slot.running.generation === known) return slot.running.snapshot;
  if (slot.queued) {
    if (known !== undefined && (slot.queued.generation === undefined || known > slot.queued.generation))
      slot.queued.generation = known;
    return slot.queued.snapshot;
  }
  const read = { generation: known } as Read;
  const run = (): Promise<GuestSnapshot> => {
    slot.running = read;
    if (slot.queued === read) slot.queued = undefined;
    return refresh(db, read.generation).finally(() => {
      if (slot.running === read) slot.running = undefined;
    });
  };
  if (slot.running) {
    slot.queued = read;
    read.snapshot = slot.running.snapshot.then(run, run);
  } else read.snapshot = run();
  return read.snapshot;
}

/**
 * The cluster name and the nodes, read again when the state generation moved
 * (a node joined or left, the cluster was renamed) or after {@link NODES_TTL_MS},
 * for the nodes' heartbeats.
 */
export function nodeSnapshot(db: Db, known?: bigint): Promise<NodeSnapshot> {
  const kept = nodeStates.get(db);
  if (kept && known !== undefined && kept.generation === known && Date.now() - kept.at < NODES_TTL_MS)
    return kept.snapshot;
  const snapshot = Promise.all([
    db.cluster.findUnique({ where: { id: 1 }, select: { name: true } }),
    db.node.findMany({ orderBy: { name: 'asc' }, select: { name: true, lastSeenAt: true } }),
  ]).then(([cluster, nodes]) => ({
    clusterName: cluster?.name ?? null,
    nodes,
    lastSeen: new Map(nodes.map((n) => [n.name, n.lastSeenAt])),
  }));
  nodeStates.set(db, { at: Date.now(), generation: known, snapshot });
  snapshot.catch(() => nodeStates.delete(db));
  return snapshot;
}
