import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { CONSOLE_CLOSE } from '@/agent/contract/console';
import { SerialReader } from '@/agent/drivers/qemu/test-helpers';
import type { Agent } from '@/agent/server/agent';
import { issueTicket } from '@/server/services/console/tickets';
import { syncNode } from '@/server/services/nodes/sync';
import { callerFor, sessionActor, taskDone } from '@/server/testing/caller';
import { ADMIN, openQemuConsole, type QemuConsole } from '@/server/testing/qemu-console';
import { distinctColours, RfbClient } from '@/server/testing/rfb';
import { createConsoleUpgrade } from './upgrade';

// Browser consoles end to end below the browser: tickets from the tRPC
// procedure, the console's websocket endpoint, a real agent, real QEMU (TCG).

const NODE = 'hx-console1';
let hx: QemuConsole;
let agent: Agent;
let server: http.Server;
let base: string;
let consoles: ReturnType<typeof createConsoleUpgrade>;
const running = { vmid: 0 };
const stopped = { vmid: 0 };

const as = (userid: string) => callerFor(hx.db, sessionActor(userid));

async function ticket(userid: string, vmid: number, kind: 'vnc' | 'serial' = 'vnc') {
  return as(userid).console.ticket({ vmid, kind });
}
const url = (p: { path: string; ticket: string }) => `${base}${p.path}?ticket=${p.ticket}`;

async function createGuest(name: string, start: boolean): Promise<number> {
  const vmid = await as(ADMIN).vm.nextId();
  await taskDone(
    hx.db,
    (
      await as(ADMIN).vm.create({
        node: NODE,
        vmid,
        name,
        memoryMiB: 128,
        nics: [],
        kernel: {
          volume: 'local:snippets/vmlinuz',
          initrd: 'local:snippets/initrd.gz',
          cmdline: 'console=ttyS0 console=tty0',
        },
      })
    ).upid,
  );
  if (start) await taskDone(hx.db, (await as(ADMIN).vm.action({ vmid, action: 'start' })).upid);
  await syncNode(hx.db, NODE);
  return vmid;
}

async function audits(action: string, vmid: number) {
  return hx.db.auditEvent.findMany({ where: { action, target: String(vmid) }, orderBy: { id: 'asc' } });
}

beforeAll(async () => {
  hx = await openQemuConsole('hx-console');
  agent = await hx.addNode(NODE);
  await hx.addKernel(agent);

  consoles = createConsoleUpgrade(async () => hx.db);
  server = http.createServer((_req, res) => res.writeHead(404).end());
  server.on('upgrade', (req, socket, head) => {
    if (consoles.handles(req)) consoles.handle(req, socket, head);
    else socket.destroy();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;

  for (const id of ['alice@local', 'bob@local'])
    await hx.db.user.create({ data: { id, name: id.split('@')[0]!, realmId: 'local' } });
  running.vmid = await createGuest('console-running', true);
  stopped.vmid = await createGuest('console-stopped', false);
  await hx.db.aclEntry.create({
    data: { path: `/vms/${running.vmid}`, ugidType: 'user', ugid: 'alice@local', roleId: 'PVEVMUser', propagate: true },
  });
  await hx.db.aclEntry.create({
    data: { path: `/vms/${running.vmid}`, ugidType: 'user', ugid: 'bob@local', roleId: 'PVEAuditor', propagate: true },
  });
});

afterAll(async () => {
  consoles?.close();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  await hx?.close();
});

describe('the VNC console', () => {
  it("shows the guest's screen to a user with VM.Console, and audits open and close with the duration", async () => {
    const vnc = await RfbClient.open(url(await ticket('alice@local', running.vmid)));
    await vnc.handshake();
    expect(vnc.width).toBeGreaterThanOrEqual(640);
    // The kernel's text console: more than one colour on the screen.
    await expect
      .poll(async () => distinctColours((await vnc.screen()).pixels), { timeout: 60_000, interval: 500 })
      .toBeGreaterThan(1);
    vnc.close();
    await expect.poll(async () => (await audits('vm.console.close', running.vmid)).length).toBe(1);
    const [open] = await audits('vm.console.open', running.vmid);
    expect(open).toMatchObject({ actor: 'alice@local', result: 'ok', detail: { kind: 'vnc', node: NODE } });
    const [closed] = await audits('vm.console.close', running.vmid);
    expect(closed!.actor).toBe('alice@local');
    expect(closed!.detail).toMatchObject({ kind: 'vnc' });
    expect((closed!.detail as { durationSeconds: number }).durationSeconds).toBeGreaterThan(0);
  });

  it('serves two viewers at once: the second does not cut off the first', async () => {
    const a = await RfbClient.open(url(await ticket(ADMIN, running.vmid)));
    await a.handshake();
    const b = await RfbClient.open(url(await ticket(ADMIN, running.vmid)));
    await b.handshake();
    const [sa, sb] = await Promise.all([a.screen(), b.screen()]);
    expect(sa.width).toBe(sb.width);
    // Both keep receiving updates.
    await a.screen();
    await b.screen();
    expect(a.closeInfo).toBeNull();
    expect(b.closeInfo).toBeNull();
    a.close();
    b.close();
  });

  it('refuses a reused ticket, and the first connection keeps working', async () => {
    const tk = await ticket(ADMIN, running.vmid);
    const first = await RfbClient.open(url(tk));
    await first.handshake();
    expect(await RfbClient.refusal(url(tk))).toEqual({
      code: CONSOLE_CLOSE.TICKET_REUSED,
      reason: expect.stringMatching(/already used/),
    });
    await first.screen();
    first.close();
  });

  it('refuses forged, missing, expired and wrong-guest tickets with a clear close reason', async () => {
    const path = `/api/console/vnc/${running.vmid}`;
    expect((await RfbClient.refusal(`${base}${path}?ticket=${randomBytes(32).toString('base64url')}`)).code).toBe(
      CONSOLE_CLOSE.TICKET_INVALID,
    );
    expect((await RfbClient.refusal(`${base}${path}`)).code).toBe(CONSOLE_CLOSE.TICKET_INVALID);

    const expired = await issueTicket(
      hx.db,
      sessionActor(ADMIN),
      { vmid: running.vmid, kind: 'vnc' },
      { now: new Date(Date.now() - 60_000) },
    );
    expect(await RfbClient.refusal(url(expired))).toEqual({
      code: CONSOLE_CLOSE.TICKET_EXPIRED,
      reason: expect.stringMatching(/expired/),
    });

    const other = await ticket(ADMIN, stopped.vmid);
    expect(await RfbClient.refusal(`${base}${path}?ticket=${other.ticket}`)).toEqual({
      code: CONSOLE_CLOSE.TICKET_WRONG_GUEST,
      reason: expect.stringMatching(new RegExp(`VM ${stopped.vmid}`)),
    });
    const serialTicket = await ticket(ADMIN, running.vmid, 'serial');
    expect((await RfbClient.refusal(`${base}${path}?ticket=${serialTicket.ticket}`)).code).toBe(
      CONSOLE_CLOSE.TICKET_WRONG_GUEST,
    );
  });

  it('refuses a page from another origin', async () => {
    const tk = await ticket(ADMIN, running.vmid);
    expect((await RfbClient.refusal(url(tk), { origin: 'https://evil.example' })).code).toBe(CONSOLE_CLOSE.BAD_ORIGIN);
  });

  it('refuses a stopped guest, without a QEMU to connect to', async () => {
    const tk = await ticket(ADMIN, stopped.vmid);
    expect(await RfbClient.refusal(url(tk))).toEqual({
      code: CONSOLE_CLOSE.GUEST_NOT_RUNNING,
      reason: expect.stringMatching(/not running/),
    });
    const [refused] = await audits('vm.console.open', stopped.vmid);
    expect(refused!.result).toMatch(/^error: .*not running/);
  });

  it('gives no ticket without VM.Console, and refuses a ticket whose user lost VM.Console since', async () => {
    const e = await ticket('bob@local', running.vmid).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(TRPCError);
    expect((e as TRPCError).code).toBe('FORBIDDEN');
    expect((e as TRPCError).message).toMatch(/VM\.Console/);

    const tk = await ticket('alice@local', running.vmid);
    await hx.db.aclEntry.deleteMany({ where: { ugid: 'alice@local' } });
    try {
      expect(await RfbClient.refusal(url(tk))).toEqual({
        code: CONSOLE_CLOSE.FORBIDDEN,
        reason: expect.stringMatching(/lacks VM\.Console/),
      });
    } finally {
      await hx.db.aclEntry.create({
        data: {
          path: `/vms/${running.vmid}`,
          ugidType: 'user',
          ugid: 'alice@local',
          roleId: 'PVEVMUser',
          propagate: true,
        },
      });
    }
  });
});

describe('the serial console', () => {
  it("shows the guest's serial output to two viewers at once, then frees the port", async () => {
    const viewers = await Promise.all(
      [0, 1].map(async () => {
        const tk = await ticket(ADMIN, running.vmid, 'serial');
        const ws = new WebSocket(url(tk));
        let text = '';
        ws.on('message', (d: Buffer) => (text += d.toString('utf8')));
        await new Promise((r, j) => (ws.once('open', r), ws.once('error', j)));
        return { ws, text: () => text };
      }),
    );
    for (const v of viewers) {
      await expect.poll(v.text, { timeout: 30_000 }).toMatch(/HORCRUX-TEST-GUEST HEARTBEAT \d+/);
    }
    for (const v of viewers) v.ws.close();
    // With nobody watching, the agent lets go of QEMU's one serial connection.
    await expect
      .poll(
        async () => {
          const r = await SerialReader.connect(path.join(agent.runDir, `${running.vmid}.serial`)).catch(() => null);
          if (!r) return false;
          const ok = await r.waitFor(/HEARTBEAT/, 3_000).then(
            () => true,
            () => false,
          );
          r.close();
          return ok;
        },
        { timeout: 20_000 },
      )
      .toBe(true);
  });
});

describe('when the guest goes away', () => {
  it('closes the console with GUEST_CLOSED, and a new ticket connects once the guest runs again', async () => {
    const vnc = await RfbClient.open(url(await ticket(ADMIN, running.vmid)));
    await vnc.handshake();
    await taskDone(hx.db, (await as(ADMIN).vm.action({ vmid: running.vmid, action: 'stop' })).upid);
    await expect.poll(() => vnc.closeInfo?.code, { timeout: 20_000 }).toBe(CONSOLE_CLOSE.GUEST_CLOSED);
    await taskDone(hx.db, (await as(ADMIN).vm.action({ vmid: running.vmid, action: 'start' })).upid);
    await syncNode(hx.db, NODE);
    const again = await RfbClient.open(url(await ticket(ADMIN, running.vmid)));
    await again.handshake();
    await again.screen();
    again.close();
  });
});
