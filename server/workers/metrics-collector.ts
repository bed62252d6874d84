import { randomUUID } from 'node:crypto';
import type { Db } from '@/server/db';
import { MetricsCollector } from '@/server/services/metrics/collect';
import { holdLease } from './lease';
import { spreadOver } from './spread';

export const COLLECT_MS = 10_000;

/**
 * Every 10 s, pulls every node's new metrics samples into the round-robin
 * tables, the nodes spread over the interval as the node monitor's polls are.
 * Leader-elected like the node monitor. A node that does not answer is
 * skipped: its graphs show a gap for that time, unless its agent still holds
 * the samples (30 min) when it answers again.
 */
export function startMetricsCollector(
  db: Db,
  log: (line: string) => void = console.log,
): { stop(): void; tick(): Promise<void> } {
  const holder = randomUUID();
  const collector = new MetricsCollector(db);
  const failing = new Set<string>();
  let running = false;

  async function tick(): Promise<void> {
    if (running) return;
    running = true;
    try {
      if (!(await holdLease(db, 'metrics-collector', holder, COLLECT_MS * 3))) {
        // Another console collects: forget what we stored, it may have stored more since.
        collector.reset();
        return;
      }
      const nodes = await db.node.findMany({ select: { name: true }, orderBy: { name: 'asc' } });
      await spreadOver(nodes, COLLECT_MS, async ({ name }) => {
        try {
          await collector.collect(name);
          failing.delete(name);
        } catch (e) {
          if (!failing.has(name)) log(`metrics of node ${name}: ${e instanceof Error ? e.message : String(e)}`);
          failing.add(name);
        }
      });
    } catch (e) {
      log(`metrics collector: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      running = false;
    }
  }

  const timer = setInterval(() => void tick(), COLLECT_MS);
  void tick();
  return { stop: () => clearInterval(timer), tick };
}
