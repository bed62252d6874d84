import { readdir, readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimNode, type SimNode } from '@/server/testing/sim-node';
import { openTestDb, type TestDb } from '@/server/testing/test-db';
import { BACKGROUND_NICE, startBackground } from './background';

/** Each thread's nice value, by thread id, as `ps -L -o tid,ni` shows it. */
async function niceValues(): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  for (const tid of await readdir('/proc/self/task')) {
    const stat = await readFile(`/proc/self/task/${tid}/stat`, 'utf8').catch(() => null);
    // Fields after the command's closing parenthesis start at the third, the state; the nice value is the 19th.
    if (stat) out.set(Number(tid), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]));
  }
  return out;
}

async function until<T>(what: string, fn: () => Promise<T | null | undefined>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * On PostgreSQL the node monitor and the metrics collector run in a thread of
 * their own, on their own connections, and still mirror the cluster. (The
 * simulated driver: this is about where the console does its work, not a host
 * feature.)
 */
describe('background loops on PostgreSQL', () => {
  let t: TestDb;
  let sim: SimNode;
  let node: string;

  beforeAll(async () => {
    t = await openTestDb('postgres');
    sim = await startSimNode(t.db, { vmid: 310, name: 'in-the-thread' });
    node = sim.node;
  });
  afterAll(async () => {
    await sim?.close();
    await t?.close();
  });

  it('mirror guests and store metrics from their own thread, at a lower priority, which ends when stopped', async () => {
    // The thread opens its own client from the environment, as the console's does.
    process.env.DATABASE_URL = t.url;
    const lines: string[] = [];
    const background = startBackground(t.db, { DATABASE_URL: t.url, HORCRUX_OTLP_INTERVAL: 60 }, (l) => lines.push(l));
    try {
      expect(background.threadId()).toBeGreaterThan(0);
      const guest = await until('the guest mirrored', () =>
        t.db.guest.findUnique({ where: { vmid: 310 }, select: { name: true, nodeName: true } }),
      );
      expect(guest).toEqual({ name: 'in-the-thread', nodeName: node });
      await until('its metrics stored', () => t.db.guestMetric.findFirst({ where: { vmid: 310, tier: 0 } }));
      // Requests go first: the thread's nice value is raised, the request thread's is not.
      const nice = await niceValues();
      const base = nice.get(process.pid)!;
      expect([...nice.values()].filter((n) => n === base + BACKGROUND_NICE)).toHaveLength(1);
    } finally {
      await background.stop();
      delete process.env.DATABASE_URL;
    }
    expect(background.threadId()).toBeNull();
    expect(lines.filter((l) => l.includes('background thread'))).toEqual([]);
  });
});
