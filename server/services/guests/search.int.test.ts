import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callerFor, sessionActor } from '@/server/testing/caller';
import { openTestDb, type TestDb } from '@/server/testing/test-db';

describe('vm.search: the server-side guest list', () => {
  let t: TestDb;
  const admin = () => callerFor(t.db, sessionActor('root@local'));
  const alice = () => callerFor(t.db, sessionActor('alice@local'));
  beforeAll(async () => {
    t = await openTestDb('pglite');
    await t.db.realm.create({ data: { id: 'local', type: 'local' } });
    for (const name of ['root', 'alice'])
      await t.db.user.create({ data: { id: `${name}@local`, name, realmId: 'local' } });
    await t.db.aclEntry.create({ data: { path: '/', ugidType: 'user', ugid: 'root@local', roleId: 'Administrator' } });
    for (const node of ['alpha', 'beta'])
      await t.db.node.create({
        data: { name: node, url: `https://${node}:8007`, fingerprint: 'AA', tokenEnc: 'x', lastSeenAt: new Date() },
      });
    // 300 guests: web-N on alpha, db-N on beta, every third running.
    await t.db.guest.createMany({
      data: Array.from({ length: 300 }, (_, i) => ({
        vmid: 1000 + i,
        nodeName: i % 2 ? 'beta' : 'alpha',
        name: `${i % 2 ? 'db' : 'web'}-${i}`,
        status: i % 3 === 0 ? 'running' : 'stopped',
        config: {},
      })),
    });
    // alice may audit the guests of pool "mine" only: 1000..1009.
    await t.db.pool.create({ data: { id: 'mine' } });
    await t.db.poolMember.createMany({
      data: Array.from({ length: 10 }, (_, i) => ({ poolId: 'mine', type: 'vm', memberId: String(1000 + i) })),
    });
    await t.db.aclEntry.create({
      data: { path: '/pool/mine', ugidType: 'user', ugid: 'alice@local', roleId: 'PVEAuditor' },
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('pages through every guest in vmid order by default', async () => {
    const first = await admin().vm.search({ limit: 100 });
    expect(first.total).toBe(300);
    expect(first.rows.map((r) => r.vmid)).toEqual(Array.from({ length: 100 }, (_, i) => 1000 + i));
    const last = await admin().vm.search({ offset: 250, limit: 100 });
    expect(last.rows.map((r) => r.vmid)).toEqual(Array.from({ length: 50 }, (_, i) => 1250 + i));
  });

  it('filters by text, node and status, and sorts by name descending', async () => {
    const dbs = await admin().vm.search({ search: 'DB-1', node: 'beta', sort: 'name', dir: 'desc', limit: 500 });
    const names = dbs.rows.map((r) => r.name);
    expect(names.length).toBe(dbs.total);
    expect(names.every((n) => n.startsWith('db-1'))).toBe(true);
    expect(names).toEqual([...names].sort().reverse());
    const running = await admin().vm.search({ status: 'running', limit: 500 });
    expect(running.total).toBe(100);
    expect(running.rows.every((r) => r.status === 'running')).toBe(true);
    expect((await admin().vm.search({ search: '1042' })).rows.map((r) => r.vmid)).toEqual([1042]);
    // A node's name matches all its guests, in vmid order.
    const alpha = await admin().vm.search({ search: 'ALPH', limit: 500 });
    expect(alpha.total).toBe(150);
    expect(alpha.rows.map((r) => r.vmid)).toEqual(Array.from({ length: 150 }, (_, i) => 1000 + 2 * i));
    // "b" is in the node name beta and in every web-N name: all 300, beta first, ties in vmid order.
    const byNode = await admin().vm.search({ search: 'b', sort: 'node', dir: 'desc', limit: 500 });
    expect(byNode.total).toBe(300);
    expect(byNode.rows.slice(0, 3).map((r) => [r.node, r.vmid])).toEqual([
      ['beta', 1001],
      ['beta', 1003],
      ['beta', 1005],
    ]);
    expect(byNode.rows.slice(150, 152).map((r) => [r.node, r.vmid])).toEqual([
      ['alpha', 1000],
      ['alpha', 1002],
    ]);
  });

  it('counts and pages only what the caller may audit', async () => {
    const page = await alice().vm.search({ limit: 5, offset: 5 });
    expect(page.total).toBe(10);
    expect(page.rows.map((r) => r.vmid)).toEqual([1005, 1006, 1007, 1008, 1009]);
  });

  it('answers a filter that matches nothing with an empty page, and refuses bad paging or sort keys', async () => {
    expect(await admin().vm.search({ search: 'no-such-guest' })).toEqual({ total: 0, rows: [] });
    await expect(admin().vm.search({ limit: 1_000_000 })).rejects.toThrow(/at most 500 rows per page/);
    await expect(admin().vm.search({ sort: 'memory' } as never)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});
