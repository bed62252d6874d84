import { mkdtemp, rm } from 'node:fs/promises';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureCertificate } from '@/server/tls';
import { pinnedRequest, TransportError } from './pinned-https';

let dir: string;
let server: https.Server;
let url: string;
let fingerprint: string;
let handshakes = 0;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'hx-pinned-'));
  const tls = await ensureCertificate(dir, 'peer');
  fingerprint = tls.fingerprint256;
  server = https.createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    req.resume();
    req.on('end', () => res.end(JSON.stringify({ path: req.url, method: req.method })));
  });
  server.on('secureConnection', () => handshakes++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  await rm(dir, { recursive: true, force: true });
});

const get = (p: string, pin = fingerprint) =>
  pinnedRequest({ url: `${url}${p}`, method: 'GET', fingerprint: pin, timeoutMs: 5_000 });

describe('pinnedRequest', () => {
  it('keeps the pinned connection alive: sequential calls share one handshake', async () => {
    const before = handshakes;
    for (let i = 0; i < 5; i++) {
      const res = await get(`/n/${i}`);
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body.toString())).toEqual({ path: `/n/${i}`, method: 'GET' });
    }
    expect(handshakes - before).toBe(1);
  });

  it('never lends a connection pinned to one certificate to a call that pins another', async () => {
    await get('/warm');
    const e = await get('/other', 'AA:'.repeat(31) + 'AA').catch((err: unknown) => err);
    expect(e).toBeInstanceOf(TransportError);
    expect((e as TransportError).kind).toBe('fingerprint');
  });

  it('sends again on a new connection when the peer dropped the idle one', async () => {
    await get('/warm');
    const before = handshakes;
    // The peer closes every idle connection (as its keep-alive timeout does) without the client noticing yet.
    server.closeIdleConnections();
    const res = await pinnedRequest({
      url: `${url}/after-close`,
      method: 'POST',
      body: Buffer.from('{}'),
      headers: { 'content-type': 'application/json', 'content-length': 2 },
      fingerprint,
      timeoutMs: 5_000,
    });
    expect(JSON.parse(res.body.toString())).toEqual({ path: '/after-close', method: 'POST' });
    expect(handshakes - before).toBe(1);
  });
});
