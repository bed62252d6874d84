import { describe, expect, it } from 'vitest';
import type { Db } from '@/server/db';
import { guestSnapshot } from './guest-snapshot';

/** One guest in a database whose change checks (the aggregate) stay pending until the test answers them. */
function heldDb() {
  const row = { vmid: 100, name: 'old', status: 'stopped', reason: null, nodeName: 'pve1', lock: null };
  let current = { ...row, startedAt: null, config: {}, pending: null, updatedAt: new Date(1_000) };
  const checks: (() => void)[] = [];
  let seen = current;
  const db = {
    guest: {
      aggregate: () =>
        new Promise((resolve) => {
          // What the database holds when the check runs, answered when the test says.
          const at = (seen = current);
          checks.push(() => resolve({ _count: { _all: 1 }, _max: { updatedAt: at.updatedAt } }));
        }),
      findMany: () => Promise.resolve([seen]),
    },
  } as unknown as Db;
  const rename = (name: string) => (current = { ...current, name, updatedAt: new Date(2_000) });
  return { db, checks, rename };
}

const turn = () => new Promise((r) => setImmediate(r));
const nameOf = async (p: ReturnType<typeof guestSnapshot>) => (await p).byVmid.get(100)?.name;

describe('guest snapshot reads', () => {
  it('a request whose change came after a read started waits for the next read, which the requests meanwhile share', async () => {
    const { db, checks, rename } = heldDb();
    const first = guestSnapshot(db, 1n);
    await turn();
    expect(checks).toHaveLength(1);
    rename('new'); // committed while the first read runs; requests after it read generation 2
    const second = guestSnapshot(db, 2n);
    const byToken = guestSnapshot(db); // an API token's request: no generation known
    await turn();
    expect(checks).toHaveLength(1);

    checks[0]!();
    expect(await nameOf(first)).toBe('old');
    await turn();
    expect(checks).toHaveLength(2);
    checks[1]!();
    expect(await nameOf(second)).toBe('new');
    expect(await nameOf(byToken)).toBe('new');

    // Generation 2 is now known to be in memory: no check at all.
    expect(await nameOf(guestSnapshot(db, 2n))).toBe('new');
    expect(checks).toHaveLength(2);
  });
});
