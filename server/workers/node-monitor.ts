import { randomUUID } from 'node:crypto';
import type { Db } from '@/server/db';
import { syncNode } from '@/server/services/nodes/sync';
import { holdLease } from './lease';
import { spreadOver } from './spread';

export const HEARTBEAT_MS = 10_000;

/**
 * Every 10 s, polls every node's agent (facts, guests, tasks) and mirrors it into
 * the database. Leader-elected: with several consoles, one polls.
 */
export function startNodeMonitor(
  db: Db,
  log: (line: string) => void = console.log,
): { stop(): void; tick(): Promise<void> } {
  const holder = randomUUID();
  const unreachable = new Set<string>();
  let running = false;

  async function tick(): Promise<void> {
    if (running) return;
    running = true;
    try {
      if (!(await holdLease(db, 'node-monitor', holder, HEARTBEAT_MS * 3))) return;
      const nodes = await db.node.findMany({ select: { name: true }, orderBy: { name: 'asc' } });
      await spreadOver(nodes, HEARTBEAT_MS, async ({ name }) => {
        try {
          await syncNode(db, name);
          if (unreachable.delete(name)) log(`node ${name} is reachable again`);
        } catch (e) {
          // Say it once per outage, not every 10 s.
          if (!unreachable.has(name)) log(e instanceof Error ? e.message : String(e));
          unreachable.add(name);
        }
      });
    } catch (e) {
      log(`node monitor: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      running = false;
    }
  }

  const timer = setInterval(() => void tick(), HEARTBEAT_MS);
  void tick();
  return { stop: () => clearInterval(timer), tick };
}
