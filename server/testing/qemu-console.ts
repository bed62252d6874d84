import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { isAlive, readPidFile } from '@/agent/drivers/qemu/proc';
import { buildTestImage, type TestImage } from '@/agent/drivers/qemu/test-helpers';
import { createAgent, type Agent } from '@/agent/server/agent';
import type { Db } from '@/server/db';
import { resetEnvCache } from '@/server/env';
import { registerLocalNode } from '@/server/services/nodes/nodes';
import { uploadIso } from '@/server/services/nodes/storage';
import { completeSetup } from '@/server/services/setup/setup';
import { sessionActor } from './caller';
import { openTestDb, type TestDb } from './test-db';

/** The user setup creates: every test file's administrator. */
export const ADMIN = 'admin@local';
/** The file name {@link QemuConsole.addIso} gives the test ISO. */
export const TEST_ISO = 'horcrux-test.iso';

/**
 * A console set up as a newcomer's (embedded database, setup done with
 * {@link ADMIN}, its own data directory and session secret) with real agents
 * that drive QEMU on this host: the fixture of the end-to-end tests below the
 * browser. One per test file, opened in `beforeAll`, closed in `afterAll`.
 */
export type QemuConsole = {
  db: Db;
  /** The console's data directory (its certificate for join commands). */
  dir: string;
  /** The test kernel, initrd and installer ISO. */
  image: TestImage;
  /** An agent with the QEMU driver on 127.0.0.1 (port 0 unless given), not yet a node of this console. */
  startAgent(name: string, options?: { port?: number }): Promise<Agent>;
  /** An agent as {@link startAgent}, registered as this console's local node `name`. */
  addNode(name: string, options?: { port?: number }): Promise<Agent>;
  /** Uploads the test installer ISO to the node's local storage through the console, as {@link TEST_ISO}. */
  addIso(node: string): Promise<void>;
  /** Puts the test kernel and initrd on the agent's local storage: `local:snippets/vmlinuz`, `local:snippets/initrd.gz`. */
  addKernel(agent: Agent): Promise<void>;
  /** Stops the agents, kills any QEMU a failed test left running, removes the database and the directories. */
  close(): Promise<void>;
};

const dbKey = Symbol.for('horcrux.db');

export async function openQemuConsole(cluster: string): Promise<QemuConsole> {
  const image = await buildTestImage();
  const dir = await mkdtemp(path.join(os.tmpdir(), `${cluster}-console-`));
  process.env.HORCRUX_DATA_DIR = dir;
  // Node tokens are sealed with it.
  process.env.NEXTAUTH_SECRET = randomBytes(36).toString('base64url');
  resetEnvCache();
  let t: TestDb | null = null;
  const agents: Agent[] = [];
  const agentDirs: string[] = [];

  async function close(): Promise<void> {
    for (const a of agents) await a.close().catch(() => undefined);
    for (const a of agents) {
      for (const name of (await readdir(a.runDir).catch(() => [])).filter((n) => n.endsWith('.pid'))) {
        const pid = await readPidFile(path.join(a.runDir, name));
        if (pid !== null && (await isAlive(pid))) process.kill(pid, 'SIGKILL');
      }
    }
    delete (globalThis as Record<symbol, unknown>)[dbKey];
    await t?.close();
    for (const d of [...agentDirs, dir]) await rm(d, { recursive: true, force: true });
  }

  try {
    t = await openTestDb('pglite');
    await completeSetup(
      t.db,
      { clusterName: cluster, username: 'admin', password: 'admin password 1', email: '' },
      { ip: '127.0.0.1' },
    );
  } catch (e) {
    await close();
    throw e;
  }
  const db = t.db;

  async function startAgent(name: string, options: { port?: number } = {}): Promise<Agent> {
    const agentDir = await mkdtemp(path.join(os.tmpdir(), `${cluster}-agent-`));
    agentDirs.push(agentDir);
    const a = await createAgent({
      dataDir: agentDir,
      port: options.port ?? 0,
      host: '127.0.0.1',
      driver: 'qemu',
      nodeName: name,
      log: () => undefined,
    });
    agents.push(a);
    return a;
  }

  return {
    db,
    dir,
    image,
    startAgent,
    async addNode(name, options) {
      const a = await startAgent(name, options);
      const registered = await registerLocalNode(db, a.dataDir, a.url);
      if (registered !== name) throw new Error(`the agent registered as ${registered}, not ${name}`);
      return a;
    },
    async addIso(node) {
      await uploadIso(db, sessionActor(ADMIN), {
        node,
        storage: 'local',
        filename: TEST_ISO,
        size: (await stat(image.iso)).size,
        body: createReadStream(image.iso),
        ip: '127.0.0.1',
      });
    },
    async addKernel(agent) {
      const snippets = path.join(agent.dataDir, 'storage', 'local', 'snippets');
      await mkdir(snippets, { recursive: true });
      await copyFile(image.kernel, path.join(snippets, 'vmlinuz'));
      await copyFile(image.initrd, path.join(snippets, 'initrd.gz'));
    },
    close,
  };
}
