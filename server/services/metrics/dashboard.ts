import type { Db } from '@/server/db';
import type { Permissions } from '@/server/services/access/permissions';
import { isOnline } from '@/server/services/nodes/nodes';
import { latestAll } from './query';

export type TopGuest = { vmid: number; name: string; node: string; value: number; max: number };

export type Dashboard = {
  nodes: { online: number; offline: number };
  guests: { running: number; stopped: number; other: number };
  /** Sums over the online nodes the caller may audit, from their newest samples. */
  cpu: { used: number; total: number };
  memory: { used: number; total: number };
  storage: { used: number; total: number };
  topCpu: TopGuest[];
  topMemory: TopGuest[];
  failedTasks: {
    upid: string;
    node: string;
    type: string;
    target: string;
    userId: string;
    startedAt: Date;
    status: string;
  }[];
};

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/**
 * The datacenter summary, limited to what the caller may see: nodes with
 * Sys.Audit, guests with VM.Audit, storages with Datastore.Audit, every failed
 * task with Sys.Audit on / and only their own otherwise.
 */
export async function dashboard(db: Db, perms: Permissions, userid: string, top = 5): Promise<Dashboard> {
  const auditAll = perms.has('Sys.Audit', '/');
  const [nodes, guests, nodeLatest, guestLatest, storageLatest, failedTasks] = await Promise.all([
    db.node.findMany({ select: { name: true, lastSeenAt: true } }),
    db.guest.findMany({ select: { vmid: true, name: true, nodeName: true, status: true } }),
    latestAll(db, 'node'),
    latestAll(db, 'guest'),
    latestAll(db, 'storage'),
    db.task.findMany({
      where: {
        AND: [
          { status: { notIn: ['running', 'OK'] } },
          { NOT: { status: { startsWith: 'WARNINGS' } } },
          auditAll ? {} : { userId: userid },
        ],
      },
      orderBy: { startedAt: 'desc' },
      take: 10,
      select: { upid: true, node: true, type: true, target: true, userId: true, startedAt: true, status: true },
    }),
  ]);
  const visibleNodes = nodes.filter((n) => perms.has('Sys.Audit', `/nodes/${n.name}`));
  const online = new Set(visibleNodes.filter((n) => isOnline(n.lastSeenAt)).map((n) => n.name));
  const visibleGuests = new Map(
    guests.filter((g) => perms.has('VM.Audit', `/vms/${g.vmid}`)).map((g) => [g.vmid, g] as const),
  );
  const cpu = { used: 0, total: 0 };
  const memory = { used: 0, total: 0 };
  for (const l of nodeLatest) {
    if (!online.has(String(l.node))) continue;
    cpu.used += num(l.cpu);
    cpu.total += num(l.maxcpu);
    memory.used += num(l.memUsed);
    memory.total += num(l.memTotal);
  }
  const storage = { used: 0, total: 0 };
  for (const l of storageLatest) {
    if (!online.has(String(l.node)) || !perms.has('Datastore.Audit', `/storage/${String(l.storage)}`)) continue;
    storage.used += num(l.used);
    storage.total += num(l.total);
  }
  const sampled = guestLatest.flatMap((l) => {
    const g = visibleGuests.get(Number(l.vmid));
    return g && l.running ? [{ g, l }] : [];
  });
  const topBy = (field: 'cpu' | 'mem', max: 'maxcpu' | 'maxmem'): TopGuest[] =>
    sampled
      .filter(({ l }) => typeof l[field] === 'number')
      .sort((a, b) => num(b.l[field]) - num(a.l[field]))
      .slice(0, top)
      .map(({ g, l }) => ({ vmid: g.vmid, name: g.name, node: g.nodeName, value: num(l[field]), max: num(l[max]) }));
  const statuses = [...visibleGuests.values()].map((g) => g.status);
  return {
    nodes: { online: online.size, offline: visibleNodes.length - online.size },
    guests: {
      running: statuses.filter((s) => s === 'running').length,
      stopped: statuses.filter((s) => s === 'stopped').length,
      other: statuses.filter((s) => s !== 'running' && s !== 'stopped').length,
    },
    cpu,
    memory,
    storage,
    topCpu: topBy('cpu', 'maxcpu'),
    topMemory: topBy('mem', 'maxmem'),
    failedTasks,
  };
}
