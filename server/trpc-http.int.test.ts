import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { encode } from 'next-auth/jwt';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openConsoleDb } from '@/server/testing/console-db';

/**
 * server/trpc-http.ts speaks tRPC's HTTP protocol itself, for speed. Every
 * kind of request the browser's client (or a stray caller) can send gets the
 * same status and the same body from it as from tRPC's own fetch adapter.
 */
describe('the tRPC HTTP handler', () => {
  let consoleDb: Awaited<ReturnType<typeof openConsoleDb>>;
  let base = '';
  let server: http.Server;
  let cookie = '';
  let reference: (req: Request) => Promise<Response>;

  beforeAll(async () => {
    consoleDb = await openConsoleDb('horcrux-trpc-http-');
    const { db } = consoleDb;
    const { ensureBuiltinRoles } = await import('@/server/services/access/roles');
    await ensureBuiltinRoles(db);
    const { createSession } = await import('@/server/services/access/sessions');
    await db.realm.upsert({ where: { id: 'local' }, create: { id: 'local', type: 'local' }, update: {} });
    await db.user.create({ data: { id: 'admin@local', name: 'admin', realmId: 'local' } });
    await db.aclEntry.create({ data: { path: '/', ugidType: 'user', ugid: 'admin@local', roleId: 'Administrator' } });
    const sid = await createSession(db, 'admin@local', { ip: '127.0.0.1', userAgent: 'vitest' });
    const { SESSION_COOKIE } = await import('@/server/access/auth-options');
    cookie = `${SESSION_COOKIE}=${await encode({ token: { sub: 'admin@local', sid }, secret: process.env.NEXTAUTH_SECRET! })}`;

    const { handleTrpc } = await import('./trpc-http');
    const { appRouter } = await import('@/server/routers/_app');
    const { createHttpContext } = await import('@/server/context');
    reference = (req) =>
      fetchRequestHandler({
        endpoint: '/api/trpc',
        req,
        router: appRouter,
        createContext: () => createHttpContext(req.headers),
      });
    server = http.createServer((req, res) => handleTrpc(req, res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    await consoleDb.close();
  });

  const q = (input: unknown) => encodeURIComponent(JSON.stringify(superjson.serialize(input)));
  const batchQ = (inputs: unknown[]) =>
    encodeURIComponent(JSON.stringify(Object.fromEntries(inputs.map((v, i) => [i, superjson.serialize(v)]))));

  type Case = { name: string; method: 'GET' | 'POST'; url: string; body?: string; auth?: boolean };
  const cases: Case[] = [
    { name: 'public query', method: 'GET', url: '/api/trpc/setup.status' },
    { name: 'anonymous call to a guarded query', method: 'GET', url: '/api/trpc/auth.me' },
    { name: 'signed-in query', method: 'GET', url: '/api/trpc/auth.me', auth: true },
    { name: 'query with input', method: 'GET', url: `/api/trpc/vm.list?input=${q({ node: 'alpha' })}`, auth: true },
    { name: 'Dates in the answer', method: 'GET', url: `/api/trpc/task.recent?input=${q({ limit: 5 })}`, auth: true },
    { name: 'string answer', method: 'GET', url: '/api/trpc/cluster.resources', auth: true },
    { name: 'invalid input', method: 'GET', url: `/api/trpc/vm.get?input=${q({ vmid: -1 })}`, auth: true },
    { name: 'missing guest', method: 'GET', url: `/api/trpc/vm.get?input=${q({ vmid: 4242 })}`, auth: true },
    { name: 'unknown procedure', method: 'GET', url: '/api/trpc/vm.nonsense', auth: true },
    { name: 'query by POST', method: 'POST', url: '/api/trpc/auth.me', body: '{}', auth: true },
    { name: 'mutation by GET', method: 'GET', url: '/api/trpc/setup.complete', auth: true },
    {
      name: 'mutation with invalid input',
      method: 'POST',
      url: '/api/trpc/setup.complete',
      body: JSON.stringify(superjson.serialize({ clusterName: '' })),
    },
    {
      name: 'batch of queries, mixed outcomes',
      method: 'GET',
      url: `/api/trpc/setup.status,auth.me,vm.get?batch=1&input=${batchQ([undefined, undefined, { vmid: 4242 }])}`,
      auth: true,
    },
    {
      name: 'batch, all fine',
      method: 'GET',
      url: `/api/trpc/setup.status,auth.me?batch=1&input=${batchQ([undefined, undefined])}`,
      auth: true,
    },
    {
      name: 'batch of mutations by POST',
      method: 'POST',
      url: '/api/trpc/setup.complete,setup.complete?batch=1',
      body: JSON.stringify({ 0: superjson.serialize({ clusterName: '' }), 1: superjson.serialize({}) }),
    },
    { name: 'batch whose input is not an object', method: 'GET', url: '/api/trpc/auth.me?batch=1&input=5', auth: true },
  ];

  for (const c of cases) {
    it(`answers as tRPC's adapter does: ${c.name}`, async () => {
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'x-forwarded-for': '127.0.0.1',
        ...(c.auth ? { cookie } : {}),
      };
      const ours = await fetch(base + c.url, { method: c.method, headers, body: c.body });
      const theirs = await reference(new Request(base + c.url, { method: c.method, headers, body: c.body }));
      const [a, b] = [await ours.text(), await theirs.text()];
      expect({ status: ours.status, body: JSON.parse(a) as unknown }).toEqual({
        status: theirs.status,
        body: JSON.parse(b) as unknown,
      });
      expect(ours.headers.get('content-type')).toBe('application/json');
    });
  }

  it('refuses a body over the limit and a cross-site mutation', async () => {
    const big = await fetch(`${base}/api/trpc/setup.complete`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: 'x'.repeat(9 << 20),
    });
    expect(big.status).toBe(413);
    const cross = await fetch(`${base}/api/trpc/setup.complete`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'https://evil.example' },
      body: '{}',
    });
    expect(cross.status).toBe(403);
  });

  it('answers malformed JSON input with a parse error, not a crash', async () => {
    const res = await fetch(`${base}/api/trpc/vm.get?input=%7Bnot-json`, { headers: { cookie } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { json: { message: string } } }).error.json.message).toMatch(/JSON/);
  });

  it("serves a browser's guest lists from memory, yet shows a change another console wrote at the next request", async () => {
    const { db } = consoleDb;
    await db.node.create({
      data: { name: 'delta', url: 'https://delta:8007', fingerprint: 'AA', tokenEnc: 'x', lastSeenAt: new Date() },
    });
    await db.guest.create({ data: { vmid: 700, nodeName: 'delta', name: 'before', status: 'running', config: {} } });
    const names = async () => {
      const res = await fetch(`${base}/api/trpc/vm.search?input=${q({ node: 'delta' })}`, { headers: { cookie } });
      const body = (await res.json()) as { result: { data: { json: { rows: { name: string }[] } } } };
      return body.result.data.json.rows.map((r) => r.name);
    };
    const one = async () => {
      const res = await fetch(`${base}/api/trpc/vm.get?input=${q({ vmid: 700 })}`, { headers: { cookie } });
      const body = (await res.json()) as { result: { data: { json: { name: string; status: string } } } };
      return `${body.result.data.json.name}/${body.result.data.json.status}`;
    };
    expect(await names()).toEqual(['before']);
    expect(await one()).toBe('before/running');
    expect(await names()).toEqual(['before']);
    await db.guest.update({ where: { vmid: 700 }, data: { name: 'after', status: 'stopped' } });
    expect(await names()).toEqual(['after']);
    expect(await one()).toBe('after/stopped');
  });

  it("serves a browser's task list from memory until a task changes, whichever console changed it", async () => {
    const { db } = consoleDb;
    const upid = 'UPID:delta:0000A1B2:00C3D4E5:6744AB12:qmstart:700:admin@local:';
    await db.task.create({ data: { upid, node: 'delta', type: 'qmstart', target: '700', userId: 'admin@local' } });
    const status = async () => {
      const res = await fetch(`${base}/api/trpc/task.recent?input=${q({ limit: 5 })}`, { headers: { cookie } });
      const body = (await res.json()) as { result: { data: { json: { upid: string; status: string }[] } } };
      return body.result.data.json.find((t) => t.upid === upid)?.status;
    };
    expect(await status()).toBe('running');
    // Changed behind the trigger's back, the task stays as it was read: the answer comes from memory.
    await db.$executeRawUnsafe('ALTER TABLE "Task" DISABLE TRIGGER "Task_task_generation"');
    try {
      await db.task.update({ where: { upid }, data: { status: 'ERROR: unseen' } });
    } finally {
      await db.$executeRawUnsafe('ALTER TABLE "Task" ENABLE TRIGGER "Task_task_generation"');
    }
    expect(await status()).toBe('running');
    // A change as any console makes it raises the generation: the next request reads it.
    await db.task.update({ where: { upid }, data: { status: 'OK', endedAt: new Date() } });
    expect(await status()).toBe('OK');
  });
});
