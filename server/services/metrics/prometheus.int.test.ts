import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetricsSample } from '@/agent/contract/metrics';
import { sessionActor } from '@/server/testing/caller';
import { resetEnvCache } from '@/server/env';
import type { Db } from '@/server/db';
import { ingestSamples } from './ingest';

// Ports of this test (the brief's range for Prometheus and OTLP receivers).
const CONSOLE_PORT = 18310;
const PROM_PORT = 18311;

type Handler = (req: Request) => Promise<Response>;

function sample(t: number): MetricsSample {
  const guest = (vmid: number) => ({
    vmid,
    status: 'running' as const,
    cpu: 0.75,
    maxcpu: 1,
    mem: 50_000_000,
    maxmem: 134_217_728,
    diskRead: 10,
    diskWrite: 20,
    diskReadOps: 1,
    diskWriteOps: 2,
    netIn: null,
    netOut: null,
    uptime: 42,
  });
  return {
    t,
    node: {
      cpu: 1.25,
      maxcpu: 2,
      load1: 0.5,
      memUsed: 1e9,
      memTotal: 4e9,
      swapUsed: 0,
      swapTotal: 0,
      rootUsed: 5e9,
      rootTotal: 2e10,
      netIn: 100,
      netOut: 50,
      diskRead: 0,
      diskWrite: 4096,
      psiCpu: 2.5,
      psiMem: null,
      psiIo: 0,
    },
    guests: [guest(100), guest(101)],
    storages: [{ storage: 'local', used: 1e9, total: 1e10 }],
  };
}

function run(file: string, args: string[], input: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = execFile(file, args, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, out: `${stdout}${stderr}` }),
    );
    child.stdin?.end(input);
  });
}

describe('Prometheus exposition at /metrics', () => {
  let dir = '';
  let db: Db;
  let server: http.Server;
  let prometheus: ChildProcess | null = null;
  let token = '';
  let weakToken = '';
  let GET: Handler;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'horcrux-prom-'));
    process.env.HORCRUX_DATA_DIR = path.join(dir, 'console');
    process.env.NEXTAUTH_SECRET = randomBytes(32).toString('base64url');
    delete process.env.DATABASE_URL;
    resetEnvCache();
    const { migrateAndOpen } = await import('@/server/db');
    db = await migrateAndOpen();
    const { ensureBuiltinRoles } = await import('@/server/services/access/roles');
    await ensureBuiltinRoles(db);
    const { createToken } = await import('@/server/services/access/tokens');
    await db.realm.create({ data: { id: 'local', type: 'local' } });
    await db.user.create({ data: { id: 'mon@local', name: 'mon', realmId: 'local' } });
    const by = { actor: sessionActor('mon@local'), ip: '127.0.0.1' };
    const made = await createToken(db, by, { userid: 'mon@local', name: 'prom', privsep: true });
    token = `${made.tokenid}=${made.secret}`;
    const weak = await createToken(db, by, { userid: 'mon@local', name: 'weak', privsep: true });
    weakToken = `${weak.tokenid}=${weak.secret}`;
    // The scrape token may audit the system and guest 100, not guest 101.
    for (const [path, role] of [
      ['/', 'PVEAuditor'],
      ['/vms/100', 'PVEAuditor'],
    ] as const) {
      await db.aclEntry.create({
        data: { path, ugidType: 'token', ugid: made.tokenid, roleId: role, propagate: false },
      });
      await db.aclEntry.create({ data: { path, ugidType: 'user', ugid: 'mon@local', roleId: role, propagate: true } });
    }
    await db.aclEntry.create({
      data: { path: '/nodes', ugidType: 'token', ugid: made.tokenid, roleId: 'PVEAuditor', propagate: true },
    });
    await db.aclEntry.create({
      data: { path: '/storage', ugidType: 'token', ugid: made.tokenid, roleId: 'PVEAuditor', propagate: true },
    });
    await db.node.create({
      data: { name: 'n1', url: 'https://127.0.0.1:1', fingerprint: 'x', tokenEnc: 'x', lastSeenAt: new Date() },
    });
    for (const vmid of [100, 101])
      await db.guest.create({ data: { vmid, nodeName: 'n1', name: `g${vmid}`, config: {}, status: 'running' } });
    await db.task.create({
      data: {
        upid: 'UPID:n1:1:1:1:qmstart:100:mon@local:',
        node: 'n1',
        type: 'qmstart',
        userId: 'mon@local',
        status: 'ERROR: boom',
      },
    });
    const now = Math.floor(Date.now() / 1000);
    await ingestSamples(db, 'n1', [sample(now - 10), sample(now)]);

    ({ GET } = (await import('@/app/metrics/route')) as { GET: Handler });
    server = http.createServer((req, res) => {
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
      void GET(new Request(`http://127.0.0.1:${CONSOLE_PORT}${req.url}`, { headers })).then(async (r) => {
        res.writeHead(r.status, Object.fromEntries(r.headers));
        res.end(Buffer.from(await r.arrayBuffer()));
      });
    });
    await new Promise<void>((resolve) => server.listen(CONSOLE_PORT, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    if (prometheus?.pid) process.kill(prometheus.pid, 'SIGTERM');
    await new Promise((r) => server?.close(r));
    const { closeDb } = await import('@/server/db');
    await closeDb();
    await rm(dir, { recursive: true, force: true });
  });

  const scrape = (authorization?: string) =>
    GET(new Request('http://127.0.0.1/metrics', { headers: authorization ? { authorization } : {} }));

  it('refuses anonymous callers and tokens without Sys.Audit on /', async () => {
    expect((await scrape()).status).toBe(401);
    // A wrong secret: the last hex digit changed (replacing it with a fixed '0' left it unchanged one run in 16).
    const wrong = token.slice(0, -1) + (token.endsWith('0') ? '1' : '0');
    expect((await scrape(`Bearer ${wrong}`)).status).toBe(401);
    expect((await scrape(`PVEAPIToken=${weakToken}`)).status).toBe(403);
  });

  it('serves node, guest, storage and task metrics that promtool accepts, only the guests the token may audit', async () => {
    const res = await scrape(`PVEAPIToken=${token}`);
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).toContain('horcrux_node_cpu_usage_cpus{node="n1"} 1.25');
    expect(body).toContain('horcrux_guest_cpu_usage_cpus{vmid="100",name="g100",node="n1"} 0.75');
    expect(body).toContain('horcrux_storage_used_bytes{node="n1",storage="local"} 1000000000');
    expect(body).toContain('horcrux_tasks_recent{node="n1",state="error"} 1');
    expect(body).toContain('horcrux_node_pressure_cpu_ratio{node="n1"} 0.025');
    expect(body).not.toContain('vmid="101"');
    const check = await run('promtool', ['check', 'metrics'], body);
    expect(check.out).toBe('');
    expect(check.code).toBe(0);
  });

  it('a real Prometheus scrapes it with a Bearer token and answers a query for a Horcrux series', async () => {
    const config = path.join(dir, 'prometheus.yml');
    await writeFile(
      config,
      [
        'global:',
        '  scrape_interval: 1s',
        'scrape_configs:',
        '  - job_name: horcrux',
        '    metrics_path: /metrics',
        '    authorization:',
        '      type: Bearer',
        `      credentials: "${token}"`,
        '    static_configs:',
        `      - targets: ["127.0.0.1:${CONSOLE_PORT}"]`,
        '',
      ].join('\n'),
    );
    prometheus = spawn(
      'prometheus',
      [
        `--config.file=${config}`,
        `--storage.tsdb.path=${path.join(dir, 'tsdb')}`,
        `--web.listen-address=127.0.0.1:${PROM_PORT}`,
      ],
      { stdio: 'ignore' },
    );
    const query = async (q: string) => {
      const r = await fetch(`http://127.0.0.1:${PROM_PORT}/api/v1/query?query=${encodeURIComponent(q)}`);
      return ((await r.json()) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } })
        .data.result;
    };
    let result: Awaited<ReturnType<typeof query>> = [];
    for (let i = 0; i < 60 && result.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      result = await query('horcrux_guest_cpu_usage_cpus').catch(() => []);
    }
    expect(result).toHaveLength(1);
    expect(result[0]!.metric).toMatchObject({ job: 'horcrux', vmid: '100', name: 'g100', node: 'n1' });
    expect(Number(result[0]!.value[1])).toBe(0.75);
    const up = await query('up{job="horcrux"}');
    expect(up[0]?.value[1]).toBe('1');
  }, 90_000);
});
