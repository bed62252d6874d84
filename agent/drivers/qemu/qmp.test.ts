import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { QmpClient, QmpError, type QmpEvent } from './qmp';

const GREETING = '{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}}, "capabilities": []}}\n';

type Handler = (cmd: { execute: string; id?: string; arguments?: unknown }, socket: net.Socket) => void;

/** A fake QEMU monitor: greets, accepts qmp_capabilities, hands other commands to `handler`. */
async function fakeQemu(dir: string, handler: Handler): Promise<{ path: string; server: net.Server }> {
  const socketPath = path.join(dir, 'qmp.sock');
  const server = net.createServer((socket) => {
    socket.write(GREETING);
    let buf = '';
    socket.on('data', (d) => {
      buf += d.toString();
      let nl;
      while ((nl = buf.indexOf('\n')) !== -1) {
        const cmd = JSON.parse(buf.slice(0, nl)) as { execute: string; id?: string };
        buf = buf.slice(nl + 1);
        if (cmd.execute === 'qmp_capabilities') socket.write(`{"return": {}, "id": ${JSON.stringify(cmd.id)}}\n`);
        else handler(cmd, socket);
      }
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(socketPath, r));
  return { path: socketPath, server };
}

describe('QmpClient against a fake monitor', () => {
  let dir: string;
  let server: net.Server | undefined;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'horcrux-qmp-'));
  });
  afterEach(async () => {
    server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('matches answers to commands by id, even out of order, and emits events', async () => {
    const held: { id?: string; socket: net.Socket }[] = [];
    const fake = await fakeQemu(dir, (cmd, socket) => {
      if (cmd.execute === 'slow') held.push({ id: cmd.id, socket });
      if (cmd.execute === 'query-status') {
        socket.write('{"timestamp": {"seconds": 1, "microseconds": 2}, "event": "STOP"}\n');
        socket.write(`{"return": {"status": "paused", "running": false}, "id": ${JSON.stringify(cmd.id)}}\n`);
        for (const h of held) h.socket.write(`{"return": "late", "id": ${JSON.stringify(h.id)}}\n`);
      }
    });
    server = fake.server;
    const qmp = await QmpClient.connect(fake.path);
    expect(qmp.version).toBe('7.2.0');
    const events: QmpEvent[] = [];
    qmp.on('event', (e) => events.push(e));
    const slow = qmp.execute('slow');
    const status = await qmp.execute('query-status');
    expect(status).toEqual({ status: 'paused', running: false });
    expect(await slow).toBe('late');
    expect(events).toEqual([{ event: 'STOP', data: {}, timestamp: { seconds: 1, microseconds: 2 } }]);
    await qmp.close();
    expect(qmp.isClosed).toBe(true);
  });

  it("rejects with QEMU's error class and message", async () => {
    const fake = await fakeQemu(dir, (cmd, socket) =>
      socket.write(
        `{"id": ${JSON.stringify(cmd.id)}, "error": {"class": "CommandNotFound", "desc": "The command nope has not been found"}}\n`,
      ),
    );
    server = fake.server;
    const qmp = await QmpClient.connect(fake.path);
    const e = await qmp.execute('nope').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(QmpError);
    expect(e).toMatchObject({ errorClass: 'CommandNotFound', command: 'nope' });
    expect((e as QmpError).message).toBe('QMP nope: The command nope has not been found');
    await qmp.close();
  });

  it('times out a command that gets no answer, and the connection still works', async () => {
    const fake = await fakeQemu(dir, (cmd, socket) => {
      if (cmd.execute !== 'hang') socket.write(`{"return": {}, "id": ${JSON.stringify(cmd.id)}}\n`);
    });
    server = fake.server;
    const qmp = await QmpClient.connect(fake.path);
    await expect(qmp.execute('hang', undefined, { timeoutMs: 50 })).rejects.toMatchObject({ errorClass: 'Timeout' });
    await expect(qmp.execute('cont')).resolves.toEqual({});
    await qmp.close();
  });

  it('rejects pending commands when QEMU closes the socket, and later ones at once', async () => {
    const fake = await fakeQemu(dir, (cmd, socket) => {
      if (cmd.execute === 'quit') socket.end();
    });
    server = fake.server;
    const qmp = await QmpClient.connect(fake.path);
    let closed = false;
    qmp.on('close', () => (closed = true));
    await expect(qmp.execute('quit')).rejects.toMatchObject({ errorClass: 'Closed' });
    expect(closed).toBe(true);
    await expect(qmp.execute('query-status')).rejects.toMatchObject({ errorClass: 'Closed' });
    await qmp.close();
  });

  it('gives up on a socket that never greets (QEMU busy with another client)', async () => {
    const socketPath = path.join(dir, 'silent.sock');
    server = net.createServer(() => undefined);
    await new Promise<void>((r) => server?.listen(socketPath, r));
    await expect(QmpClient.connect(socketPath, { timeoutMs: 100 })).rejects.toThrow(/no QMP greeting within 100 ms/);
  });

  it('fails fast when nothing listens', async () => {
    await expect(QmpClient.connect(path.join(dir, 'none.sock'))).rejects.toThrow(/ENOENT/);
  });
});
