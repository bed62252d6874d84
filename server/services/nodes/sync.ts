import type { Guest as AgentGuest } from '@/agent/contract/guests';
import type { TaskStatus } from '@/agent/contract/tasks';
import type { Db } from '@/server/db';
import { Prisma } from '@/server/generated/prisma/client';
import { clientFor } from './nodes';

// A placeholder row (lock `create`) younger than this is kept even if its agent does
// not list it yet (the console writes it before the agent's create task registers the
// guest). Any other row the agent no longer lists is gone, however young.
const CREATE_GRACE_MS = 60_000;

function taskRow(t: TaskStatus) {
  return {
    node: t.node,
    type: t.type,
    target: t.id,
    userId: t.user,
    startedAt: new Date(t.startTime * 1000),
    endedAt: t.endTime === null ? null : new Date(t.endTime * 1000),
    status: t.status === 'running' ? 'running' : (t.exitStatus ?? 'unknown'),
  };
}

/**
 * Records tasks as their agent reported them. Only new tasks and tasks whose
 * status changed are written: every heartbeat reports the last 50 of each node.
 */
export async function recordTasks(db: Db, tasks: TaskStatus[]): Promise<void> {
  if (tasks.length === 0) return;
  const known = await db.task.findMany({
    where: { upid: { in: tasks.map((t) => t.upid) } },
    select: { upid: true, status: true },
  });
  const status = new Map(known.map((k) => [k.upid, k.status]));
  for (const t of tasks) {
    const row = taskRow(t);
    if (status.get(t.upid) === row.status) continue;
    await db.task.upsert({ where: { upid: t.upid }, create: { upid: t.upid, ...row }, update: row });
  }
}

// Uptimes are read a moment apart; a start time that moved less than this is the same start.
const START_JITTER_MS = 5_000;

/**
 * Equality of two JSON values whatever the order of their object keys:
 * PostgreSQL's jsonb keeps keys in its own order, so a config read back never
 * stringifies as the agent sent it. Properties set to undefined count as absent.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((v, i) => sameJson(v, b[i]));
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const keys = Object.keys(x).filter((k) => x[k] !== undefined);
  if (keys.length !== Object.keys(y).filter((k) => y[k] !== undefined).length) return false;
  return keys.every((k) => sameJson(x[k], y[k]));
}

function guestRow(g: AgentGuest, now: number) {
  const up = g.runtime.state !== 'stopped' ? g.runtime.uptimeSeconds : null;
  return {
    startedAt: up === null ? null : new Date(now - up * 1000),
    name: g.name,
    config: g.config as Prisma.InputJsonValue,
    pending: (g.pending ?? undefined) as Prisma.InputJsonValue | undefined,
    status: g.runtime.state,
    reason: g.runtime.reason,
    lock: g.lock,
  };
}

/**
 * One heartbeat of a node: its facts, its guests and its recent tasks, as the
 * agent reports them, mirrored into the database. Writes only what changed.
 * Throws (AGENT_UNREACHABLE …) when the agent does not answer; the node then
 * turns offline by itself when lastSeenAt ages.
 */
export async function syncNode(db: Db, name: string): Promise<void> {
  const client = await clientFor(db, name);
  const [status, { guests }, { tasks }] = await Promise.all([
    client.nodeStatus(),
    client.listGuests(),
    client.listTasks({ limit: 50 }),
  ]);
  await db.node.update({
    where: { name },
    data: { lastSeenAt: new Date(), facts: status as unknown as Prisma.InputJsonValue },
  });
  let seen = compared.get(db);
  if (!seen) compared.set(db, (seen = new Map()));
  const report = reportMark(guests, Date.now());
  const last = seen.get(name);
  const rows = await rowsMark(db, name);
  if (last?.report !== report || last.rows !== rows || rows.endsWith('/creating')) {
    seen.delete(name);
    await mirrorGuests(db, name, guests);
    seen.set(name, { report, rows: await rowsMark(db, name) });
  }
  await recordTasks(db, tasks);
}

/**
 * Per database and node, what the last full comparison saw: the agent's
 * report and the node's rows. A heartbeat whose report and rows are both
 * unchanged has nothing to mirror, and skips reading the hundred configs.
 */
const compared = new WeakMap<Db, Map<string, { report: string; rows: string }>>();

/** The report's content, with start times to the minute (uptimes move on every heartbeat). */
function reportMark(guests: AgentGuest[], now: number): string {
  return JSON.stringify(
    guests.map((g) => {
      const up = g.runtime.state !== 'stopped' ? g.runtime.uptimeSeconds : null;
      const started = up === null ? null : Math.round((now - up * 1000) / 60_000);
      return [g.vmid, g.name, g.runtime.state, g.runtime.reason, started, g.lock, g.config, g.pending ?? null];
    }),
  );
}

/** How many rows the node has and when one last changed; `/creating` while a create placeholder waits. */
async function rowsMark(db: Db, name: string): Promise<string> {
  const [r] = await db.$queryRaw<{ n: number; newest: Date | null; creating: number }[]>`
    SELECT count(*)::int AS n, max("updatedAt") AS newest, count(*) FILTER (WHERE "lock" = 'create')::int AS creating
    FROM "Guest" WHERE "nodeName" = ${name}`;
  return `${r?.n ?? 0}/${r?.newest?.getTime() ?? 0}${r?.creating ? '/creating' : ''}`;
}

/** Writes what changed in the agent's report of its guests: new ones, changed ones, and the ones gone. */
async function mirrorGuests(db: Db, name: string, guests: AgentGuest[]): Promise<void> {
  const known = await db.guest.findMany({
    where: { nodeName: name },
    select: {
      vmid: true,
      name: true,
      status: true,
      reason: true,
      startedAt: true,
      lock: true,
      config: true,
      pending: true,
      createdAt: true,
    },
  });
  const byVmid = new Map(known.map((g) => [g.vmid, g]));
  for (const g of guests) {
    const row = guestRow(g, Date.now());
    const old = byVmid.get(g.vmid);
    if (!old) {
      await db.guest.upsert({
        where: { vmid: g.vmid },
        create: { vmid: g.vmid, nodeName: name, ...row },
        update: { nodeName: name, ...row },
      });
      continue;
    }
    const changed =
      old.name !== row.name ||
      old.status !== row.status ||
      old.reason !== row.reason ||
      (old.startedAt === null) !== (row.startedAt === null) ||
      Math.abs((old.startedAt?.getTime() ?? 0) - (row.startedAt?.getTime() ?? 0)) > START_JITTER_MS ||
      old.lock !== row.lock ||
      !sameJson(old.config, row.config) ||
      !sameJson(old.pending ?? null, row.pending ?? null);
    if (changed)
      await db.guest.update({ where: { vmid: g.vmid }, data: { ...row, pending: row.pending ?? Prisma.DbNull } });
  }
  const listed = new Set(guests.map((g) => g.vmid));
  const gone = known
    .filter(
      (g) => !listed.has(g.vmid) && !(g.lock === 'create' && Date.now() - g.createdAt.getTime() <= CREATE_GRACE_MS),
    )
    .map((g) => g.vmid);
  if (gone.length > 0) await db.guest.deleteMany({ where: { nodeName: name, vmid: { in: gone } } });
}
