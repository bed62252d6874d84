import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { agentFor } from '../../../server/agent-client/client';
import { createAgent, type Agent } from '../../server/agent';
import { issueLocalNodeToken } from '../../server/auth';
import { createSimState, SimDriver } from './driver';

const FLEET = 20;
const agents: Agent[] = [];
let root: string;

afterAll(async () => {
  await Promise.all(agents.map((a) => a.close()));
  if (root) await rm(root, { recursive: true, force: true });
});

// Scale harness for the control plane: many simulated agents in one process,
// each with its own port, data dir, certificate and token. Nothing here claims
// a real guest feature; the QEMU integration tests do that.
// Each agent makes its own certificate: allow for a loaded machine.
describe('simulated agents in one process', { timeout: 60_000 }, () => {
  it(`runs ${FLEET} agents, each creating and starting guests through the real client`, async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'hx-fleet-'));
    const nodes = await Promise.all(
      Array.from({ length: FLEET }, async (_, i) => {
        const dataDir = path.join(root, `node${i}`);
        const agent = await createAgent({
          dataDir,
          port: 0,
          host: '127.0.0.1',
          driver: 'sim',
          nodeName: `sim${i}`,
          log: () => undefined,
        });
        agents.push(agent);
        const { token, fingerprint } = await issueLocalNodeToken(dataDir);
        return agentFor({ name: `sim${i}`, url: agent.url, fingerprint, token });
      }),
    );
    await Promise.all(
      nodes.map(async (client, i) => {
        for (const vmid of [1000 + i * 10, 1001 + i * 10]) {
          await client.waitForTask((await client.createGuest({ vmid, name: `g${vmid}`, memoryMiB: 64 })).upid, {
            pollMs: 20,
          });
          await client.waitForTask((await client.startGuest(vmid)).upid, { pollMs: 20 });
        }
        const status = await client.nodeStatus();
        expect(status).toMatchObject({ name: `sim${i}`, driver: 'sim' });
        const { guests } = await client.listGuests();
        expect(guests.map((g) => [g.vmid, g.runtime.state])).toEqual([
          [1000 + i * 10, 'running'],
          [1001 + i * 10, 'running'],
        ]);
      }),
    );
  });

  it('an agent restarted on the same data dir and simulated host finds its guests', async () => {
    const dir = path.join(root, 'restart');
    const state = createSimState();
    const first = await createAgent({
      dataDir: dir,
      port: 0,
      host: '127.0.0.1',
      driver: new SimDriver({ state }),
      nodeName: 'simr',
      log: () => undefined,
    });
    const { token, fingerprint } = await issueLocalNodeToken(dir);
    const c1 = agentFor({ name: 'simr', url: first.url, fingerprint, token });
    await c1.waitForTask((await c1.createGuest({ vmid: 900, name: 'keep', memoryMiB: 64 })).upid, { pollMs: 20 });
    await c1.waitForTask((await c1.startGuest(900)).upid, { pollMs: 20 });
    await first.close();
    const second = await createAgent({
      dataDir: dir,
      port: 0,
      host: '127.0.0.1',
      driver: new SimDriver({ state }),
      log: () => undefined,
    });
    agents.push(second);
    const c2 = agentFor({ name: 'simr', url: second.url, fingerprint, token });
    expect((await c2.getGuest(900)).runtime.state).toBe('running');
  });
});
