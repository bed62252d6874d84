import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPermissions } from '@/server/services/access/permissions';
import { callerFor, sessionActor } from '@/server/testing/caller';
import { openTestDb, type TestDb } from '@/server/testing/test-db';
import { resourceTreeJson } from './resources';
import { parseResourceTree, type ResourceTree } from './tree-wire';

describe('cluster.resources: the resource tree', () => {
  let t: TestDb;
  const treeOf = async (userid: string) =>
    parseResourceTree(await callerFor(t.db, sessionActor(userid)).cluster.resources());
  const guestsOf = (tree: ResourceTree) =>
    tree.nodes.flatMap((n) => n.guests.map((g) => `${n.name}/${g.vmid}/${g.name}/${g.status}`));

  beforeAll(async () => {
    t = await openTestDb('pglite');
    await t.db.realm.create({ data: { id: 'local', type: 'local' } });
    for (const name of ['root', 'alice'])
      await t.db.user.create({ data: { id: `${name}@local`, name, realmId: 'local' } });
    await t.db.aclEntry.create({ data: { path: '/', ugidType: 'user', ugid: 'root@local', roleId: 'Administrator' } });
    await t.db.aclEntry.create({
      data: { path: '/vms/101', ugidType: 'user', ugid: 'alice@local', roleId: 'PVEVMUser' },
    });
    await t.db.node.create({
      data: { name: 'alpha', url: 'https://alpha:8007', fingerprint: 'AA', tokenEnc: 'x', lastSeenAt: new Date() },
    });
    await t.db.node.create({ data: { name: 'beta', url: 'https://beta:8007', fingerprint: 'AA', tokenEnc: 'x' } });
    await t.db.guest.createMany({
      data: [
        { vmid: 100, nodeName: 'alpha', name: 'web', status: 'running', config: {} },
        { vmid: 101, nodeName: 'alpha', name: 'db', status: 'stopped', config: {} },
        { vmid: 200, nodeName: 'beta', name: 'old', status: 'running', config: {} },
      ],
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('shows each caller only what they may audit, offline nodes with unknown guests', async () => {
    const root = await treeOf('root@local');
    expect(root.nodes.map((n) => [n.name, n.status])).toEqual([
      ['alpha', 'online'],
      ['beta', 'offline'],
    ]);
    expect(guestsOf(root)).toEqual(['alpha/100/web/running', 'alpha/101/db/stopped', 'beta/200/old/unknown']);
    expect(root.cluster.can).toEqual({ audit: true, createVm: true, addNode: true });
    const alice = await treeOf('alice@local');
    expect(guestsOf(alice)).toEqual(['alpha/101/db/stopped']);
    expect(alice.cluster.can).toEqual({ audit: false, createVm: false, addNode: false });
  });

  it('follows changes, creations and deletions at the next request', async () => {
    await treeOf('root@local');
    await t.db.guest.update({ where: { vmid: 101 }, data: { status: 'running', name: 'db1' } });
    expect(guestsOf(await treeOf('root@local'))).toContain('alpha/101/db1/running');
    expect(guestsOf(await treeOf('alice@local'))).toEqual(['alpha/101/db1/running']);

    // A creation and a deletion between two looks (the count stays the same).
    await t.db.guest.create({ data: { vmid: 102, nodeName: 'alpha', name: 'new', config: {} } });
    await t.db.guest.delete({ where: { vmid: 100 } });
    expect(guestsOf(await treeOf('root@local'))).toEqual([
      'alpha/101/db1/running',
      'alpha/102/new/stopped',
      'beta/200/old/unknown',
    ]);
    await t.db.guest.delete({ where: { vmid: 102 } });
    expect(guestsOf(await treeOf('root@local'))).toEqual(['alpha/101/db1/running', 'beta/200/old/unknown']);

    // A node coming back online, and a right granted, show at once.
    await t.db.node.update({ where: { name: 'beta' }, data: { lastSeenAt: new Date() } });
    await t.db.aclEntry.create({
      data: { path: '/vms/200', ugidType: 'user', ugid: 'alice@local', roleId: 'PVEAuditor' },
    });
    expect(guestsOf(await treeOf('alice@local'))).toEqual(['alpha/101/db1/running', 'beta/200/old/running']);
  });

  it('answers from memory while the state generation a request read has not moved, and sees every change that moves it', async () => {
    const generation = async () => (await t.db.stateGeneration.findUniqueOrThrow({ where: { id: 1 } })).value;
    const perms = await loadPermissions(t.db, sessionActor('root@local'));
    const tree = async (known: bigint) => parseResourceTree(await resourceTreeJson(t.db, perms, known));
    const g0 = await generation();
    expect(guestsOf(await tree(g0))).toContain('alpha/101/db1/running');

    // A heartbeat only moves lastSeenAt: the generation stays, so the tree is not read again for it.
    await t.db.node.update({ where: { name: 'alpha' }, data: { lastSeenAt: new Date() } });
    expect(await generation()).toBe(g0);

    // Another console renames a guest, the cluster and adds a node: each moves the generation.
    await t.db.guest.update({ where: { vmid: 101 }, data: { name: 'db2' } });
    const g1 = await generation();
    expect(g1).toBeGreaterThan(g0);
    expect(guestsOf(await tree(g1))).toContain('alpha/101/db2/running');
    await t.db.cluster.upsert({ where: { id: 1 }, create: { name: 'lab' }, update: { name: 'lab' } });
    await t.db.node.create({ data: { name: 'gamma', url: 'https://gamma:8007', fingerprint: 'AA', tokenEnc: 'x' } });
    const g2 = await generation();
    expect(g2).toBeGreaterThan(g1);
    const after = await tree(g2);
    expect(after.cluster.name).toBe('lab');
    expect(after.nodes.map((n) => n.name)).toEqual(['alpha', 'beta', 'gamma']);
  });
});
