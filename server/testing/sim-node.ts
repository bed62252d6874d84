import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createAgent, type Agent } from '@/agent/server/agent';
import type { Db } from '@/server/db';
import { clientFor, registerLocalNode } from '@/server/services/nodes/nodes';

export type SimNode = { agent: Agent; node: string; close(): Promise<void> };

/**
 * An agent on the simulated driver in this process, registered with `db` as
 * the local node, holding one stopped guest: for tests of the console's own
 * bookkeeping, never of a host feature.
 */
export async function startSimNode(db: Db, guest: { vmid: number; name: string }): Promise<SimNode> {
  // The node's token is sealed with the session secret.
  process.env.NEXTAUTH_SECRET ??= randomBytes(36).toString('base64url');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hx-sim-node-'));
  const agent = await createAgent({ dataDir: dir, port: 0, host: '127.0.0.1', driver: 'sim', log: () => undefined });
  const close = async (): Promise<void> => {
    await agent.close();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const node = await registerLocalNode(db, agent.dataDir, agent.url);
    const client = await clientFor(db, node);
    await client.waitForTask(await client.createGuest(guest).then((r) => r.upid));
    return { agent, node, close };
  } catch (e) {
    await close();
    throw e;
  }
}
