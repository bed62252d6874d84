import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, type TestDb } from '@/server/testing/test-db';
import { leaderLoop, outageLog } from './lease';

// Two consoles on one database each start the same loop: one does the work,
// the other follows, and takes over when the leader stops and its lease runs out.
describe('leader loop', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb('pglite');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('runs the work on one console only, and hands over when its lease expires', async () => {
    const done: string[] = [];
    const logs: string[] = [];
    const loop = (who: string, intervalMs: number) =>
      leaderLoop(
        t.db,
        {
          name: 'test-loop',
          intervalMs,
          immediately: false,
          follower: () => done.push(`${who} follows`),
          log: (l) => logs.push(l),
        },
        async () => {
          done.push(`${who} works`);
        },
      );
    const a = loop('a', 60_000);
    const b = loop('b', 60_000);
    try {
      await a.tick();
      await b.tick();
      await a.tick();
      expect(done).toEqual(['a works', 'b follows', 'a works']);
      // a stops; its lease (three intervals) runs out, then b takes it.
      a.stop();
      await t.db.lease.update({ where: { name: 'test-loop' }, data: { expiresAt: new Date(Date.now() - 1) } });
      await b.tick();
      expect(done.at(-1)).toBe('b works');
      expect(logs).toEqual([]);
    } finally {
      a.stop();
      b.stop();
    }
  });

  it('logs what the work throws with the loop name, and never runs two rounds at once', async () => {
    const logs: string[] = [];
    let rounds = 0;
    let release = (): void => undefined;
    const loop = leaderLoop(
      t.db,
      { name: 'failing-loop', intervalMs: 60_000, immediately: false, log: (l) => logs.push(l) },
      async () => {
        rounds++;
        await new Promise<void>((r) => (release = r));
        throw new Error('disk full');
      },
    );
    try {
      const first = loop.tick();
      await expect.poll(() => rounds).toBe(1);
      await loop.tick(); // returns at once: the first round still runs
      release();
      await first;
      expect(rounds).toBe(1);
      expect(logs).toEqual(['failing-loop: disk full']);
    } finally {
      loop.stop();
    }
  });

  it('outage log: the first failure of each key, and the recovery once', () => {
    const logs: string[] = [];
    const o = outageLog((l) => logs.push(l));
    o.ok('n1', 'n1 back');
    o.failed('n1', 'n1 down');
    o.failed('n1', 'n1 down again');
    o.failed('n2', 'n2 down');
    o.ok('n1', 'n1 back');
    o.ok('n1', 'n1 back');
    o.failed('n1', 'n1 down');
    expect(logs).toEqual(['n1 down', 'n2 down', 'n1 back', 'n1 down']);
  });
});
