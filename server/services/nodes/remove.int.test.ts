import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgent, type Agent } from '@/agent/server/agent';
import { completeSetup } from '@/server/services/setup/setup';
import { callerFor, refusal, sessionActor } from '@/server/testing/caller';
import { startSimNode, type SimNode } from '@/server/testing/sim-node';
import { openTestDb, type TestDb } from '@/server/testing/test-db';
import { registerLocalNode } from './nodes';

/**
 * Removing a node through the procedure the Nodes panel calls. The simulated
 * driver: this is the console's bookkeeping, not a host feature.
 */
describe('node.remove', () => {
  let t: TestDb;
  let sim: SimNode;
  let spare: Agent;
  let spareDir: string;
  const admin = () => callerFor(t.db, sessionActor('admin@local'));
  const nodeNames = async () => (await admin().node.list()).map((n) => n.name);

  beforeAll(async () => {
    t = await openTestDb('pglite');
    await completeSetup(
      t.db,
      { clusterName: 'hx-remove', username: 'admin', password: 'admin password 1', email: '' },
      { ip: '127.0.0.1' },
    );
    sim = await startSimNode(t.db, { vmid: 300, name: 'held' });
    spareDir = await mkdtemp(path.join(os.tmpdir(), 'hx-remove-spare-'));
    spare = await createAgent({
      dataDir: spareDir,
      port: 0,
      host: '127.0.0.1',
      driver: 'sim',
      nodeName: 'spare',
      log: () => undefined,
    });
    await registerLocalNode(t.db, spare.dataDir, spare.url);
    await t.db.user.create({ data: { id: 'carol@local', name: 'carol', realmId: 'local' } });
    await t.db.aclEntry.create({
      data: { path: '/nodes/spare', ugidType: 'user', ugid: 'carol@local', roleId: 'PVEAuditor', propagate: true },
    });
  });
  afterAll(async () => {
    await sim?.close();
    await spare?.close();
    if (spareDir) await rm(spareDir, { recursive: true, force: true });
    await t?.close();
  });

  it('removes an empty node: gone from the list with its metrics and ACL entries; and only for Sys.Modify', async () => {
    await t.db.nodeMetric.create({ data: { tier: 0, slot: 1, node: 'spare', ts: 1n, n: 1, cpuSum: 0.5 } });
    expect(await nodeNames()).toEqual(expect.arrayContaining([sim.node, 'spare']));

    await expect(callerFor(t.db, sessionActor('carol@local')).node.remove({ node: 'spare' })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    await admin().node.remove({ node: 'spare' });

    expect(await nodeNames()).toEqual([sim.node]);
    expect(await t.db.nodeMetric.count({ where: { node: 'spare' } })).toBe(0);
    expect(await t.db.aclEntry.count({ where: { path: '/nodes/spare' } })).toBe(0);
    const [event] = await admin().access.audit.list({ action: 'node.remove' });
    expect(event).toMatchObject({ target: 'spare', result: 'ok' });

    const missing = await refusal(admin().node.remove({ node: 'spare' }));
    expect(missing.code).toBe('NOT_FOUND');
    expect(missing.message).toBe('no such node: spare');
  });

  it('refuses a node that holds guests, and forgetting them while the node answers', async () => {
    const held = await refusal(admin().node.remove({ node: sim.node }));
    expect(held.code).toBe('CONFLICT');
    expect(held.message).toContain(`node ${sim.node} still holds guests 300: delete them first`);
    const online = await refusal(admin().node.remove({ node: sim.node, forgetGuests: true }));
    expect(online.code).toBe('CONFLICT');
    expect(online.message).toContain('is online');
    expect(await nodeNames()).toEqual([sim.node]);
    expect(await t.db.guest.count({ where: { vmid: 300 } })).toBe(1);
  });

  it('forgets the guests of a host that is gone, when asked', async () => {
    await sim.close();
    await t.db.node.update({ where: { name: sim.node }, data: { lastSeenAt: new Date(Date.now() - 3_600_000) } });
    await t.db.guestMetric.create({ data: { tier: 0, slot: 1, vmid: 300, ts: 1n, n: 1, cpuSum: 0.1 } });
    expect((await refusal(admin().node.remove({ node: sim.node }))).code).toBe('CONFLICT');

    await admin().node.remove({ node: sim.node, forgetGuests: true });
    expect(await nodeNames()).toEqual([]);
    expect(await t.db.guest.count()).toBe(0);
    expect(await t.db.guestMetric.count({ where: { vmid: 300 } })).toBe(0);
    const [event] = await admin().access.audit.list({ action: 'node.remove' });
    expect(event).toMatchObject({ target: sim.node, result: 'ok', detail: { forgetGuests: true } });
  });
});
