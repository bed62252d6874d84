import type { Db } from '@/server/db';
import { MetricsCollector } from '@/server/services/metrics/collect';
import { leaderLoop, outageLog, type Loop } from './lease';
import { spreadOver } from './spread';

export const COLLECT_MS = 10_000;

/**
 * Every 10 s, pulls every node's new metrics samples into the round-robin
 * tables, the nodes spread over the interval as the node monitor's polls are.
 * Leader-elected like the node monitor. A node that does not answer is
 * skipped: its graphs show a gap for that time, unless its agent still holds
 * the samples (30 min) when it answers again.
 */
export function startMetricsCollector(db: Db, log: (line: string) => void = console.log): Loop {
  const collector = new MetricsCollector(db);
  const outages = outageLog(log);
  const options = {
    name: 'metrics-collector',
    intervalMs: COLLECT_MS,
    immediately: true,
    // Another console collects: forget what we stored, it may have stored more since.
    follower: () => collector.reset(),
    log,
  };
  return leaderLoop(db, options, async () => {
    const nodes = await db.node.findMany({ select: { name: true }, orderBy: { name: 'asc' } });
    await spreadOver(nodes, COLLECT_MS, async ({ name }) => {
      try {
        await collector.collect(name);
        outages.ok(name);
      } catch (e) {
        outages.failed(name, `metrics of node ${name}: ${e instanceof Error ? e.message : String(e)}`);
      }
    });
  });
}
