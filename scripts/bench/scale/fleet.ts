/**
 * A fleet of simulated agents in one process, for the scale benchmark: each
 * agent has its own port, data directory, certificate and token, seeds its
 * guests through the real agent API, then joins the console with a real join
 * token. The console polls them like any node. Nothing here claims a host
 * feature: the driver is the simulated one.
 *
 * Input: the FLEET_SPEC environment variable (JSON, see ZSpec). Prints one
 * line `READY <json>` once every agent has joined; stops on SIGTERM.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { SAMPLE_INTERVAL_S } from '@/agent/metrics/sampler';
import { createAgent, type Agent } from '@/agent/server/agent';
import { issueLocalNodeToken } from '@/agent/server/auth';
import { joinConsole } from '@/agent/server/join';
import { agentFor } from '@/server/agent-client';

const ZSpec = z.object({
  consoleUrl: z.url(),
  consoleFingerprint: z.string(),
  tokens: z.array(z.string()).min(1),
  guestsPerNode: z.number().int().min(0).max(1000),
  /** Fraction of the guests started after creation. */
  running: z.number().min(0).max(1),
  firstVmid: z.number().int().min(100),
});

async function pool<T>(items: T[], width: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i]!, i);
      }
    }),
  );
}

async function main(): Promise<void> {
  const spec = ZSpec.parse(JSON.parse(process.env.FLEET_SPEC ?? '{}'));
  const root = await mkdtemp(path.join(os.tmpdir(), 'hx-scale-fleet-'));
  const agents: Agent[] = [];
  const stop = async (): Promise<void> => {
    await Promise.allSettled(agents.map((a) => a.close()));
    await rm(root, { recursive: true, force: true });
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());

  const started = Date.now();
  await pool(spec.tokens, 8, async (token, i) => {
    const nodeName = `sim${String(i + 1).padStart(3, '0')}`;
    const dataDir = path.join(root, nodeName);
    const agent = await createAgent({ dataDir, port: 0, host: '127.0.0.1', driver: 'sim', nodeName, log: () => {} });
    agents.push(agent);
    // A hundred hosts sample on their own CPUs; here they share the console's two, so they take turns
    // over the 10 s instead of all sampling at the same instant.
    agent.metrics.stop();
    agent.metrics.start(Math.round((i / spec.tokens.length) * SAMPLE_INTERVAL_S * 1000));
    const { token: local, fingerprint } = await issueLocalNodeToken(dataDir);
    const client = agentFor({ name: nodeName, url: agent.url, fingerprint, token: local });
    const running = Math.round(spec.guestsPerNode * spec.running);
    for (let j = 0; j < spec.guestsPerNode; j++) {
      const vmid = spec.firstVmid + i * spec.guestsPerNode + j;
      const created = await client.createGuest({ vmid, name: `vm-${vmid}`, memoryMiB: 512 + (j % 4) * 512 });
      await client.waitForTask(created.upid, { pollMs: 5 });
      if (j < running) await client.waitForTask((await client.startGuest(vmid)).upid, { pollMs: 5 });
    }
    await joinConsole({
      consoleUrl: spec.consoleUrl,
      joinToken: token,
      consoleFingerprint: spec.consoleFingerprint,
      nodeName,
      agentUrl: agent.url,
      agentFingerprint: agent.fingerprint,
      dataDir,
    });
  });
  console.log(`READY ${JSON.stringify({ nodes: agents.length, seconds: (Date.now() - started) / 1000 })}`);
}

main().catch((e: unknown) => {
  console.error(`fleet: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exit(1);
});
