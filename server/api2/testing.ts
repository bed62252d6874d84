import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { isAlive, readPidFile } from '@/agent/drivers/qemu/proc';
import { buildTestImage } from '@/agent/drivers/qemu/test-helpers';
import { createAgent, type Agent } from '@/agent/server/agent';
import { resetEnvCache } from '@/server/env';
import { createToken } from '@/server/services/access/tokens';
import { registerLocalNode } from '@/server/services/nodes/nodes';
import { uploadIso } from '@/server/services/nodes/storage';
import { completeSetup } from '@/server/services/setup/setup';
import { openTestDb, type TestDb } from '@/server/testing/test-db';
import { ensureCertificate } from '@/server/tls';
import { handleApi2, isApi2Request } from './handler';

/**
 * One console for the /api2 integration tests: a fresh PGlite database with
 * the administrator `admin@local`, a real agent (real QEMU) registered as a
 * node with the test ISO on its `local` storage, and an HTTPS server that
 * serves /api2/json exactly as server/main.ts does.
 */
export type Api2Console = {
  t: TestDb;
  agent: Agent;
  node: string;
  iso: string;
  /** `https://127.0.0.1:PORT` */
  origin: string;
  port: number;
  admin: { userid: string; password: string };
  /** An API token of the administrator without privilege separation. */
  token: { tokenid: string; secret: string };
  close(): Promise<void>;
};

export const ADMIN = { userid: 'admin@local', password: 'admin password 1' };

export async function startApi2Console(node: string): Promise<Api2Console> {
  const image = await buildTestImage();
  const consoleDir = await mkdtemp(path.join(os.tmpdir(), 'hx-api2-console-'));
  process.env.HORCRUX_DATA_DIR = consoleDir;
  process.env.NEXTAUTH_SECRET = randomBytes(36).toString('base64url');
  resetEnvCache();
  const t = await openTestDb('pglite');
  await completeSetup(
    t.db,
    { clusterName: 'hx-api2', username: 'admin', password: ADMIN.password, email: '' },
    { ip: '127.0.0.1' },
  );

  const agentDir = await mkdtemp(path.join(os.tmpdir(), 'hx-api2-agent-'));
  const agent = await createAgent({
    dataDir: agentDir,
    port: 0,
    host: '127.0.0.1',
    driver: 'qemu',
    nodeName: node,
    log: () => undefined,
  });
  await registerLocalNode(t.db, agent.dataDir, agent.url);
  const by = { actor: { kind: 'ticket' as const, userid: ADMIN.userid }, ip: '127.0.0.1' };
  const iso = 'horcrux-test.iso';
  await uploadIso(t.db, by.actor, {
    node,
    storage: 'local',
    filename: iso,
    size: (await stat(image.iso)).size,
    body: createReadStream(image.iso),
    ip: '127.0.0.1',
  });
  const token = await createToken(t.db, by, { userid: ADMIN.userid, name: 'ci', privsep: false });

  const server: Server = createServer(await ensureCertificate(consoleDir, 'console'), (req, res) => {
    req.headers['x-forwarded-for'] = req.socket.remoteAddress ?? '';
    if (isApi2Request(req.url)) void handleApi2(t.db, req, res);
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;

  return {
    t,
    agent,
    node,
    iso: `local:iso/${iso}`,
    origin: `https://127.0.0.1:${port}`,
    port,
    admin: ADMIN,
    token,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await agent.close().catch(() => undefined);
      for (const name of (await readdir(agent.runDir).catch(() => [])).filter((n) => n.endsWith('.pid'))) {
        const pid = await readPidFile(path.join(agent.runDir, name));
        if (pid !== null && (await isAlive(pid))) process.kill(pid, 'SIGKILL');
      }
      delete (globalThis as Record<symbol, unknown>)[Symbol.for('horcrux.db')];
      await t.close();
      for (const dir of [agentDir, consoleDir]) await rm(dir, { recursive: true, force: true });
    },
  };
}

export type ApiAnswer = {
  status: number;
  statusText: string;
  headers: Record<string, string | string[] | undefined>;
  json: { data: unknown; errors?: Record<string, string> };
};

/** A minimal /api2 client for the tests' own requests (the real clients are proxmoxer, Ansible and proxmox-api). */
export function api(
  c: Pick<Api2Console, 'port'>,
  method: string,
  apiPath: string,
  opts: { headers?: Record<string, string>; body?: string | Buffer | Record<string, string | number> } = {},
): Promise<ApiAnswer> {
  const form = typeof opts.body === 'object' && !Buffer.isBuffer(opts.body);
  const body =
    typeof opts.body === 'object' && !Buffer.isBuffer(opts.body)
      ? new URLSearchParams(Object.entries(opts.body).map(([k, v]) => [k, String(v)])).toString()
      : opts.body;
  const headers: Record<string, string> = {
    ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
    ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}),
    ...opts.headers,
  };
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: c.port, method, path: `/api2/json${apiPath}`, headers, rejectUnauthorized: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => {
          try {
            resolve({
              status: res.statusCode ?? 0,
              statusText: res.statusMessage ?? '',
              headers: res.headers,
              json: JSON.parse(Buffer.concat(chunks).toString('utf8')) as ApiAnswer['json'],
            });
          } catch (e) {
            reject(e instanceof Error ? e : new Error(String(e)));
          }
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
