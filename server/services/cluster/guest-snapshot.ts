import type { Db } from '@/server/db';

export type SnapshotGuest = { vmid: number; name: string; status: string; node: string };

/** Every guest's tree fields, sorted by vmid, and a version that changes whenever any of them does. */
export type GuestSnapshot = { guests: readonly SnapshotGuest[]; version: number };

type State = {
  byVmid: Map<number, SnapshotGuest>;
  sorted: SnapshotGuest[];
  count: number;
  maxUpdatedMs: number;
  version: number;
};

/** Rows updated this long before the newest one seen are read again, for transactions that commit late. */
const OVERLAP_MS = 5_000;
const states = new WeakMap<Db, State>();
const pending = new WeakMap<Db, Promise<GuestSnapshot>>();
let versions = 0;

const SELECT = { vmid: true, name: true, status: true, nodeName: true, updatedAt: true } as const;
type Row = { vmid: number; name: string; status: string; nodeName: string; updatedAt: Date };

const toGuest = (r: Row): SnapshotGuest => ({ vmid: r.vmid, name: r.name, status: r.status, node: r.nodeName });

function build(rows: Row[], count: number): State {
  const byVmid = new Map(rows.map((r) => [r.vmid, toGuest(r)]));
  const maxUpdatedMs = rows.reduce((m, r) => Math.max(m, r.updatedAt.getTime()), 0);
  return {
    byVmid,
    sorted: [...byVmid.values()].sort((a, b) => a.vmid - b.vmid),
    count,
    maxUpdatedMs,
    version: ++versions,
  };
}

async function refresh(db: Db): Promise<GuestSnapshot> {
  const agg = await db.guest.aggregate({ _count: { _all: true }, _max: { updatedAt: true } });
  const count = agg._count._all;
  const maxUpdatedMs = agg._max.updatedAt?.getTime() ?? 0;
  let state = states.get(db);
  if (state && state.count === count && state.maxUpdatedMs === maxUpdatedMs) return view(state);
  if (state) {
    // Only what changed since the last look; a deletion shows as a count that does not add up.
    const changed = await db.guest.findMany({
      where: { updatedAt: { gte: new Date(state.maxUpdatedMs - OVERLAP_MS) } },
      select: SELECT,
    });
    const byVmid = new Map(state.byVmid);
    for (const r of changed) byVmid.set(r.vmid, toGuest(r));
    if (byVmid.size === count) {
      state = {
        byVmid,
        sorted: [...byVmid.values()].sort((a, b) => a.vmid - b.vmid),
        count,
        maxUpdatedMs: Math.max(maxUpdatedMs, ...changed.map((r) => r.updatedAt.getTime())),
        version: ++versions,
      };
      states.set(db, state);
      return view(state);
    }
  }
  state = build(await db.guest.findMany({ select: SELECT }), count);
  states.set(db, state);
  return view(state);
}

const view = (s: State): GuestSnapshot => ({ guests: s.sorted, version: s.version });

/**
 * The guests as the resource tree needs them, read from the database only
 * when something changed (one aggregate query tells), and then only the rows
 * that changed. Safe with several consoles on one database: each one asks the
 * database, not its own memory, whether anything moved.
 */
export function guestSnapshot(db: Db): Promise<GuestSnapshot> {
  let p = pending.get(db);
  if (!p) {
    p = refresh(db).finally(() => pending.delete(db));
    pending.set(db, p);
  }
  return p;
}
