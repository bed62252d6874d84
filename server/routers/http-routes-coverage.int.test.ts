import { readdir } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_CLOSE } from '@/agent/contract/console';
import { openConsoleDb } from '@/server/testing/console-db';
import { RfbClient } from '@/server/testing/rfb';

/**
 * Every HTTP route outside tRPC (app/api/**​/route.ts) either refuses an anonymous
 * caller or is listed here with the reason it is open. A new route fails this
 * test until it is one or the other.
 */
const OPEN: Record<string, string> = {
  'auth/[...nextauth]': 'next-auth sign-in and sign-out; the credentials are the check',
  'auth/oidc/login': 'starts an OIDC sign-in; the identity provider is the check',
  'auth/oidc/callback': 'ends an OIDC sign-in; state, nonce and the ID token signature are the check',
  'agent/join': 'an agent joining; the one-time join token is the check',
};

/** Routes whose every entry point another test enumerates. */
const COVERED_ELSEWHERE: Record<string, string> = {
  // Not route files: server/main.ts serves /api/trpc/* (server/trpc-http.ts) and /api2/json/* before Next.
  '/api/trpc': 'server/routers/access-coverage.int.test.ts checks every procedure',
  '/api2/json':
    'server/api2/api2.int.test.ts probes every endpoint anonymously, without rights and with exactly its privilege',
};

const root = path.resolve(import.meta.dirname, '..', '..', 'app', 'api');
const appRoot = path.resolve(root, '..');

async function routeFiles(dir: string, base = root): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await routeFiles(p, base)));
    else if (e.name === 'route.ts') out.push(path.relative(base, path.dirname(p)));
  }
  return out.sort();
}

type Handler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;

describe('HTTP routes outside tRPC', () => {
  let consoleDb: Awaited<ReturnType<typeof openConsoleDb>>;
  beforeAll(async () => {
    consoleDb = await openConsoleDb('horcrux-routes-');
  });
  afterAll(() => consoleDb.close());

  it('finds the routes', async () => {
    expect((await routeFiles(root)).length).toBeGreaterThanOrEqual(5);
  });

  it('the websocket endpoints outside app/api (guest consoles) refuse a caller without a ticket', async () => {
    const { createConsoleUpgrade } = await import('@/server/console/upgrade');
    const { getDb } = await import('@/server/db');
    const consoles = createConsoleUpgrade(getDb);
    const server = http.createServer();
    server.on('upgrade', (req, socket, head) => consoles.handle(req, socket, head));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const base = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
      for (const kind of ['vnc', 'serial']) {
        const closed = await RfbClient.refusal(`${base}/api/console/${kind}/100`);
        expect(closed.code, `/api/console/${kind}/<vmid>`).toBe(CONSOLE_CLOSE.TICKET_INVALID);
      }
    } finally {
      consoles.close();
      await new Promise((r) => server.close(r));
    }
  });

  it('each route is open for a stated reason or refuses an anonymous caller', async () => {
    const routes = await routeFiles(root);
    for (const route of routes) {
      if (OPEN[route] || COVERED_ELSEWHERE[route]) continue;
      const mod = (await import(path.join(root, route, 'route.ts'))) as Record<string, Handler | undefined>;
      const methods = (['GET', 'POST', 'PUT', 'DELETE'] as const).filter((m) => typeof mod[m] === 'function');
      expect(methods.length, `${route} exports no handler`).toBeGreaterThan(0);
      for (const method of methods) {
        // Placeholder params fill dynamic segments ([node], [storage], [trpc] ...).
        const params = Object.fromEntries([...route.matchAll(/\[(?:\.\.\.)?(\w+)\]/g)].map(([, k]) => [k!, 'x']));
        const url = `https://localhost:8006/api/${route.replace(/\[(?:\.\.\.)?(\w+)\]/g, (_, k: string) => params[k]!)}?filename=a.iso`;
        const body = method === 'GET' ? undefined : 'x';
        const res = await mod[method]!(
          new Request(url, { method, body, headers: body ? { 'content-length': '1' } : {} }),
          { params: Promise.resolve(params) },
        );
        expect(res.status, `${method} /api/${route} answered an anonymous caller with ${res.status}`).toBe(401);
      }
    }
  });

  // Routes outside /api (Prometheus's /metrics): same rule, every one refuses an anonymous
  // caller and a malformed token; none is open.
  it('each route outside /api refuses an anonymous caller and a bad token', async () => {
    const routes = (await routeFiles(appRoot, appRoot)).filter((r) => !r.startsWith('api'));
    expect(routes).toContain('metrics');
    for (const route of routes) {
      const mod = (await import(path.join(appRoot, route, 'route.ts'))) as Record<string, Handler | undefined>;
      const methods = (['GET', 'POST', 'PUT', 'DELETE'] as const).filter((m) => typeof mod[m] === 'function');
      expect(methods.length, `${route} exports no handler`).toBeGreaterThan(0);
      for (const method of methods) {
        const attempts: Record<string, string>[] = [{}, { authorization: 'Bearer nobody@local!x=not-a-secret' }];
        for (const headers of attempts) {
          const res = await mod[method]!(new Request(`https://localhost:8006/${route}`, { method, headers }), {
            params: Promise.resolve({}),
          });
          expect(res.status, `${method} /${route} answered ${JSON.stringify(headers)} with ${res.status}`).toBe(401);
        }
      }
    }
  });
});
