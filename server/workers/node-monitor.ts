import type { Db } from '@/server/db';
import { syncNode } from '@/server/services/nodes/sync';
import { leaderLoop, outageLog, type Loop } from './lease';
import { spreadOver } from './spread';

export const HEARTBEAT_MS = 10_000;

/**
 * Every 10 s, polls every node's agent (facts, guests, tasks) and mirrors it into
 * the database. Leader-elected: with several consoles, one polls.
 */
export function startNodeMonitor(db: Db, log: (line: string) => void = console.log): Loop {
  const outages = outageLog(log);
  return leaderLoop(db, { name: 'node-monitor', intervalMs: HEARTBEAT_MS, immediately: true, log }, async () => {
    const nodes = await db.node.findMany({ select: { name: true }, orderBy: { name: 'asc' } });
    await spreadOver(nodes, HEARTBEAT_MS, async ({ name }) => {
      try {
        await syncNode(db, name);
        outages.ok(name, `node ${name} is reachable again`);
      } catch (e) {
        outages.failed(name, e instanceof Error ? e.message : String(e));
      }
    });
  });
}
