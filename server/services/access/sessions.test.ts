import { describe, expect, it } from 'vitest';
import type { Db } from '@/server/db';
import { validateSession } from './sessions';

/** A database whose session lookups stay pending until the test answers them. */
function heldDb() {
  const queries: { ids: string[]; answer: () => void }[] = [];
  const row = (id: string, query: number) => ({
    id,
    userId: `user-${id}`,
    createdAt: new Date(),
    lastSeenAt: new Date(),
    expiresAt: new Date(Date.now() + 3600_000),
    revokedAt: null,
    enabled: true,
    userExpiresAt: null,
    generation: 1n,
    state: BigInt(query),
  });
  const db = {
    $queryRaw: (_sql: TemplateStringsArray, ids: string[]) =>
      new Promise((resolve) => {
        const query = queries.length;
        queries.push({ ids, answer: () => resolve(ids.map((id) => row(id, query))) });
      }),
  } as unknown as Db;
  return { db, queries };
}

const turn = () => new Promise((r) => setImmediate(r));

describe('session lookups', () => {
  it('checks arriving together go in one query; checks arriving while it runs wait for the next one', async () => {
    const { db, queries } = heldDb();
    const first = [validateSession(db, 'a'), validateSession(db, 'b'), validateSession(db, 'a')];
    await turn();
    expect(queries.map((q) => q.ids)).toEqual([['a', 'b']]);

    // Arrives while the first query runs: that query may predate a change this check must see.
    const late = validateSession(db, 'b');
    await turn();
    expect(queries).toHaveLength(1);
    queries[0]!.answer();
    expect((await Promise.all(first)).map((s) => s?.userid)).toEqual(['user-a', 'user-b', 'user-a']);
    await turn();
    expect(queries.map((q) => q.ids)).toEqual([['a', 'b'], ['b']]);
    queries[1]!.answer();
    expect(await late).toMatchObject({ userid: 'user-b', generations: { state: 1n } });
  });
});
