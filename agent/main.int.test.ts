import { spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer as createHttpsServer, type Server } from 'node:https';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentFor, type AgentClient } from '../server/agent-client/client';
import { handleJoinRequest, type JoinedNode } from '../server/agent-client/join';
import { AppError, httpStatusOf } from '../server/errors';
import { ensureCertificate } from '../server/tls';
import { isAlive, readPidFile } from './drivers/qemu/proc';
import { buildTestImage, REPO_ROOT } from './drivers/qemu/test-helpers';

const JOIN_TOKEN = 'join-token-0123456789abcdef';
const VMID = 4300;

let consoleDir: string;
let consoleServer: Server;
let consoleUrl: string;
let consoleFingerprint: string;
const joined: JoinedNode[] = [];
let dataDir: string;
let port: number;
let agentProc: ChildProcess | null = null;
let client: AgentClient;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as AddressInfo).port;
      s.close(() => resolve(p));
    });
    s.once('error', reject);
  });
}

/** Runs `npm run agent`'s entry point as its own process; resolves once it listens (or rejects with its output when it exits). */
function startAgent(args: string[] = []): Promise<{ proc: ChildProcess; output: () => string }> {
  // One process (no tsx wrapper), so SIGKILL really kills the agent.
  const proc = spawn(process.execPath, ['--import', 'tsx', 'agent/main.ts', ...args], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      HORCRUX_AGENT_DATA_DIR: dataDir,
      HORCRUX_AGENT_PORT: String(port),
      HORCRUX_AGENT_HOST: '127.0.0.1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const output = () => out;
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      if (/listening on/.test(out) && (!args.includes('--join') || /joined/.test(out))) resolve({ proc, output });
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.once('exit', (code) => reject(new Error(`agent exited with ${code}: ${out}`)));
  });
}

function stopProcess(proc: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  return new Promise((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
    proc.once('exit', () => resolve());
    proc.kill(signal);
  });
}

beforeAll(async () => {
  const image = await buildTestImage();
  consoleDir = await mkdtemp(path.join(os.tmpdir(), 'hx-console-'));
  const tls = await ensureCertificate(consoleDir, 'console');
  consoleFingerprint = tls.fingerprint256;
  // A stand-in for the console's join route, around the real handler.
  let used = false;
  consoleServer = createHttpsServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.method !== 'POST' || req.url !== '/api/agent/join')
        return reply(404, { error: { code: 'NOT_FOUND', message: 'no route' } });
      handleJoinRequest(JSON.parse(Buffer.concat(chunks).toString() || '{}'), {
        consumeJoinToken: async (secret) => {
          if (secret !== JOIN_TOKEN || used) return false;
          used = true;
          return true;
        },
        persistNode: async (node) => void joined.push(node),
      }).then(
        (answer) => reply(200, answer),
        (e: unknown) => {
          const err = e instanceof AppError ? e : new AppError('INTERNAL', String(e));
          reply(httpStatusOf(err.code), { error: { code: err.code, message: err.message, field: err.field } });
        },
      );
    });
  });
  await new Promise<void>((r) => consoleServer.listen(0, '127.0.0.1', r));
  consoleUrl = `https://127.0.0.1:${(consoleServer.address() as AddressInfo).port}`;

  dataDir = await mkdtemp(path.join(os.tmpdir(), 'hx-agentproc-'));
  port = await freePort();
  const snippets = path.join(dataDir, 'storage/local/snippets');
  await mkdir(snippets, { recursive: true });
  await copyFile(image.kernel, path.join(snippets, 'vmlinuz'));
  await copyFile(image.initrd, path.join(snippets, 'initrd.gz'));
});

afterAll(async () => {
  if (agentProc) await stopProcess(agentProc, 'SIGTERM');
  const run = path.join(dataDir, 'run');
  for (const name of (await readdir(run).catch(() => [])).filter((n) => n.endsWith('.pid'))) {
    const pid = await readPidFile(path.join(run, name));
    if (pid !== null && (await isAlive(pid))) process.kill(pid, 'SIGKILL');
  }
  await new Promise((r) => consoleServer?.close(r));
  await rm(dataDir, { recursive: true, force: true });
  await rm(consoleDir, { recursive: true, force: true });
});

describe('npm run agent (agent/main.ts as its own process)', () => {
  it('refuses to join with a wrong join token and exits', async () => {
    const e = await startAgent([
      '--join',
      consoleUrl,
      '--token',
      'wrong-token-0123456789',
      '--name',
      'node2',
      '--fingerprint',
      consoleFingerprint,
    ]).then(
      () => null,
      (err: Error) => err,
    );
    expect(e?.message).toMatch(/the console refused to join: the join token is unknown/);
    expect(joined).toEqual([]);
  });

  it('refuses a console whose certificate is not the given fingerprint', async () => {
    const wrong = consoleFingerprint.replace(/^../, consoleFingerprint.startsWith('00') ? '11' : '00');
    const e = await startAgent([
      '--join',
      consoleUrl,
      '--token',
      JOIN_TOKEN,
      '--name',
      'node2',
      '--fingerprint',
      wrong,
    ]).then(
      () => null,
      (err: Error) => err,
    );
    expect(e?.message).toMatch(/could not reach the console .*not the pinned/);
    expect(joined).toEqual([]);
  });

  it('joins with a join token: the console gets a pinned fingerprint and a node token that works', async () => {
    const agentUrl = `https://127.0.0.1:${port}`;
    const started = await startAgent([
      '--join',
      consoleUrl,
      '--token',
      JOIN_TOKEN,
      '--name',
      'node2',
      '--fingerprint',
      consoleFingerprint,
      '--url',
      agentUrl,
    ]);
    agentProc = started.proc;
    expect(started.output()).toMatch(/joined .* as node node2/);
    expect(joined).toHaveLength(1);
    const node = joined[0]!;
    expect(node).toMatchObject({ name: 'node2', url: agentUrl });
    client = agentFor(node);
    expect((await client.nodeStatus()).name).toBe('node2');
    // The join token was one-time.
    const again = await fetchJoin({ token: JOIN_TOKEN, name: 'node3', agentUrl, agentFingerprint: node.fingerprint });
    expect(again.status).toBe(401);
  });

  it('after SIGKILL of the agent, a restarted agent finds the running guest and ends the lost task as ERROR', async () => {
    const created = await client.createGuest({
      vmid: VMID,
      name: 'survivor',
      memoryMiB: 128,
      disks: [{ slot: 'virtio0', sizeMiB: 16 }],
      kernel: {
        volume: 'local:snippets/vmlinuz',
        initrd: 'local:snippets/initrd.gz',
        cmdline: 'console=ttyS0 horcrux.noacpi',
      },
      nics: [],
    });
    await client.waitForTask(created.upid);
    await client.waitForTask((await client.startGuest(VMID)).upid, { timeoutMs: 90_000 });
    const pid = (await client.getGuest(VMID)).runtime.pid;
    expect(pid).toBeGreaterThan(0);
    // A task in flight when the agent dies: the guest ignores ACPI, so this shutdown waits.
    const { upid: lost } = await client.shutdownGuest(VMID, { timeoutSeconds: 600 });

    await stopProcess(agentProc!, 'SIGKILL');
    agentProc = (await startAgent()).proc;

    const { guests } = await client.listGuests();
    expect(guests.find((g) => g.vmid === VMID)?.runtime).toMatchObject({ state: 'running', qmpStatus: 'running', pid });
    expect((await client.nodeStatus()).name).toBe('node2');
    const status = await client.taskStatus(lost);
    expect(status).toMatchObject({
      status: 'stopped',
      exitStatus: 'ERROR: the agent stopped while the task was running',
    });
    // The lock died with the old process.
    expect((await client.getGuest(VMID)).lock).toBeNull();

    await client.waitForTask((await client.stopGuest(VMID)).upid);
    await client.waitForTask((await client.deleteGuest(VMID)).upid);
    expect((await client.listVolumes('local', 'images')).volumes).toEqual([]);
  });
});

async function fetchJoin(body: unknown): Promise<{ status: number }> {
  const { pinnedRequest } = await import('../server/agent-client/pinned-https');
  const buf = Buffer.from(JSON.stringify(body));
  return pinnedRequest({
    url: `${consoleUrl}/api/agent/join`,
    method: 'POST',
    headers: { 'content-type': 'application/json', 'content-length': buf.length },
    body: buf,
    fingerprint: consoleFingerprint,
    timeoutMs: 10_000,
  });
}
