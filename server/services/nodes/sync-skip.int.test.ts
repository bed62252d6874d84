import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimNode, type SimNode } from '@/server/testing/sim-node';
import { openTestDb, type TestDb } from '@/server/testing/test-db';
import { clientFor } from './nodes';
import { syncNode } from './sync';

/**
 * A heartbeat whose agent report and database rows are both as the last
 * comparison left them skips the comparison; a change on either side is
 * still mirrored at the next heartbeat. (The simulated driver: this is about
 * the console's bookkeeping, not a host feature.)
 */
describe('the node monitor mirrors changes from either side after a quiet heartbeat', () => {
  let t: TestDb;
  let sim: SimNode;
  let node: string;
  const guest = async () =>
    t.db.guest.findUniqueOrThrow({ where: { vmid: 300 }, select: { name: true, status: true } });

  beforeAll(async () => {
    t = await openTestDb('pglite');
    sim = await startSimNode(t.db, { vmid: 300, name: 'quiet' });
    node = sim.node;
  });
  afterAll(async () => {
    await sim?.close();
    await t?.close();
  });

  it('restores a row changed behind its back, and follows the agent after quiet heartbeats', async () => {
    await syncNode(t.db, node);
    await syncNode(t.db, node); // quiet: nothing changed on either side
    expect(await guest()).toEqual({ name: 'quiet', status: 'stopped' });

    // Another writer changes the row: the rows no longer match what was compared.
    await t.db.guest.update({ where: { vmid: 300 }, data: { name: 'tampered' } });
    await syncNode(t.db, node);
    expect(await guest()).toEqual({ name: 'quiet', status: 'stopped' });

    // The agent's side changes: its report no longer matches.
    const client = await clientFor(t.db, node);
    await client.waitForTask((await client.startGuest(300)).upid);
    await syncNode(t.db, node);
    expect(await guest()).toEqual({ name: 'quiet', status: 'running' });
  });
});
