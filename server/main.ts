/**
 * The console's one process: Next (pages, next-auth), tRPC and /api2 over HTTPS on 8006,
 * websocket upgrades (guest consoles: server/console/upgrade.ts), and the
 * background workers (on PostgreSQL in a thread of their own: server/workers/background.ts).
 */
import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import path from 'node:path';
import next from 'next';
import { ensureSecret } from '@/server/access/secret';
import { handleApi2, isApi2Request } from '@/server/api2/handler';
import { createConsoleUpgrade } from '@/server/console/upgrade';
import { closeDb, getDb, migrateAndOpen } from '@/server/db';
import { env } from '@/server/env';
import { ensureBuiltinRoles } from '@/server/services/access/roles';
import { registerLocalNode } from '@/server/services/nodes/nodes';
import { ensureCertificate } from '@/server/tls';
import { handleTrpc, isTrpcRequest } from '@/server/trpc-http';
import { startBackground } from '@/server/workers/background';

async function main(): Promise<void> {
  const cfg = env();
  process.env.NEXTAUTH_SECRET = await ensureSecret();
  // next-auth takes its origin from the Host header; the request handler below
  // overwrites the forwarded headers, so a client cannot choose them.
  process.env.AUTH_TRUST_HOST = '1';
  process.env.NEXT_TELEMETRY_DISABLED = '1';

  const db = await migrateAndOpen();
  await ensureBuiltinRoles(db);

  const app = next({
    dev: cfg.HORCRUX_DEV,
    dir: path.resolve(import.meta.dirname, '..'),
    hostname: 'localhost',
    port: cfg.HORCRUX_PORT,
  });
  await app.prepare();
  const handle = app.getRequestHandler();
  const upgrade = cfg.HORCRUX_DEV ? app.getUpgradeHandler() : null;

  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    req.headers['x-forwarded-for'] = req.socket.remoteAddress ?? '';
    req.headers['x-forwarded-proto'] = cfg.HORCRUX_HTTP ? 'http' : 'https';
    req.headers['x-forwarded-host'] = req.headers.host ?? `localhost:${cfg.HORCRUX_PORT}`;
    // tRPC and the Proxmox-compatible API are served here, before Next: they are
    // the hot paths, and /api2 sets the status line's text itself.
    if (isTrpcRequest(req.url)) {
      handleTrpc(req, res);
      return;
    }
    if (isApi2Request(req.url)) {
      void handleApi2(db, req, res);
      return;
    }
    handle(req, res).catch((e: unknown) => {
      console.error('request failed:', e);
      if (!res.headersSent) res.writeHead(500).end('internal error');
    });
  };
  const consoles = createConsoleUpgrade(getDb);
  const onUpgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (consoles.handles(req)) {
      consoles.handle(req, socket, head);
      return;
    }
    if (upgrade && req.url?.startsWith('/_next/')) {
      upgrade(req, socket, head).catch(() => socket.destroy());
      return;
    }
    socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
  };

  const server = cfg.HORCRUX_HTTP
    ? http.createServer(onRequest)
    : https.createServer(await ensureCertificate(cfg.dataDir, 'console'), onRequest);
  server.on('upgrade', onUpgrade);
  // Browsers and API clients reuse connections; Node's 5 s default closes them
  // under a client that is about to send, which it sees as a reset.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 70_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(cfg.HORCRUX_PORT, cfg.HORCRUX_HOST, resolve);
  });
  const scheme = cfg.HORCRUX_HTTP ? 'http' : 'https';
  console.log(
    `Horcrux console listening on ${scheme}://localhost:${cfg.HORCRUX_PORT} (data: ${cfg.dataDir}, database: ${cfg.DATABASE_URL ? 'PostgreSQL' : 'embedded PGlite'})`,
  );

  if (cfg.HORCRUX_LOCAL_AGENT_URL && cfg.HORCRUX_LOCAL_AGENT_DIR) {
    const node = await registerLocalNode(db, cfg.HORCRUX_LOCAL_AGENT_DIR, cfg.HORCRUX_LOCAL_AGENT_URL);
    console.log(`local agent at ${cfg.HORCRUX_LOCAL_AGENT_URL} registered as node ${node}`);
  }
  const background = startBackground(db, cfg);

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping`);
    consoles.close();
    server.close();
    server.closeAllConnections();
    void background
      .stop()
      .then(() => closeDb())
      .finally(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((e: unknown) => {
  console.error(`Horcrux console failed to start: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
