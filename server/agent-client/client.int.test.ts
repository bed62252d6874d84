import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgent, type Agent } from '@/agent/server/agent';
import { issueLocalNodeToken } from '@/agent/server/auth';
import { AppError } from '@/server/errors';
import { ensureCertificate } from '@/server/tls';
import { agentFor, type AgentNode } from './client';

let dir: string;
let agent: Agent;
let node: AgentNode;
let impostor: tls.Server;
let impostorUrl: string;
let impostorReceived = 0;

async function refusal(p: Promise<unknown>): Promise<AppError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  if (!(e instanceof AppError)) throw new Error(`expected an AppError, got ${String(e)}`);
  return e;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'hx-client-'));
  agent = await createAgent({
    dataDir: path.join(dir, 'agent'),
    port: 0,
    host: '127.0.0.1',
    nodeName: 'pve2',
    log: () => undefined,
  });
  const { token, fingerprint } = await issueLocalNodeToken(agent.dataDir);
  node = { name: 'pve2', url: agent.url, fingerprint, token };
  // A TLS server with another certificate that counts what it is sent after the handshake.
  const other = await ensureCertificate(path.join(dir, 'impostor'), 'impostor');
  impostor = tls.createServer({ key: other.key, cert: other.cert }, (socket) => {
    socket.on('data', (d: Buffer) => (impostorReceived += d.length));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((r) => impostor.listen(0, '127.0.0.1', r));
  impostorUrl = `https://127.0.0.1:${(impostor.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await agent?.close();
  await new Promise((r) => impostor?.close(r));
  await rm(dir, { recursive: true, force: true });
});

describe('agentFor', () => {
  it('talks to the pinned agent, typed by the contract', async () => {
    const s = await agentFor(node).nodeStatus();
    expect(s.name).toBe('pve2');
    expect((await agentFor(node).listStorages()).storages.map((x) => x.id)).toEqual(['local']);
  });

  it('sends nothing, not even the token, to a server whose certificate is not the pinned one', async () => {
    const e = await refusal(agentFor({ ...node, url: impostorUrl }).createGuest({ vmid: 100, name: 'x' }));
    expect(e.code).toBe('AGENT_UNREACHABLE');
    expect(e.message).toMatch(/different certificate than the one pinned/);
    await new Promise((r) => setTimeout(r, 100));
    expect(impostorReceived).toBe(0);
  });

  it('reports a node that does not know the console token as needing a new join', async () => {
    const e = await refusal(agentFor({ ...node, token: 'not-the-token' }).nodeStatus());
    expect(e.code).toBe('AGENT_UNREACHABLE');
    expect(e.message).toMatch(/refused the console's node token .* join the node again/);
  });

  it('maps agent refusals to AppErrors with the field', async () => {
    const e = await refusal(agentFor(node).getGuest(99));
    expect(e).toMatchObject({ code: 'INVALID_INPUT', field: 'vmid' });
    expect(await refusal(agentFor(node).getGuest(123456))).toMatchObject({ code: 'NOT_FOUND' });
    expect(
      await refusal(agentFor(node).taskStatus('UPID:pve2:00000001:00000001:00000001:qmstart:100:root@pam:')),
    ).toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('a refused upload is answered before its body is sent', async () => {
    let pulled = 0;
    const body = new Readable({
      read() {
        pulled++;
        this.push(Buffer.alloc(64 * 1024));
      },
    });
    const e = await refusal(agentFor(node).uploadIso('local', 'bad name.iso', body, 1024 * 1024 * 1024));
    expect(e).toMatchObject({ code: 'INVALID_INPUT', field: 'filename' });
    // The stream may prefetch, but the gigabyte was never sent.
    expect(pulled).toBeLessThan(4);
  });

  it('times out with the node named and the hint to check the agent', async () => {
    const e = await refusal(
      agentFor(
        {
          ...node,
          url: impostorUrl,
          fingerprint: (await ensureCertificate(path.join(dir, 'impostor'), 'impostor')).fingerprint256,
        },
        { timeoutMs: 300 },
      ).nodeStatus(),
    );
    expect(e.code).toBe('AGENT_UNREACHABLE');
    expect(e.message).toMatch(
      /^node pve2 is not reachable at https:\/\/127\.0\.0\.1:\d+ \(no answer within 300 ms\); check that `npm run agent` is running there$/,
    );
  });
});
