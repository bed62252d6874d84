import { readdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SerialReader } from '@/agent/drivers/qemu/test-helpers';
import type { Agent } from '@/agent/server/agent';
import { TOKEN_HASH_FILE } from '@/agent/server/auth';
import { joinConsole } from '@/agent/server/join';
import { syncNode } from '@/server/services/nodes/sync';
import { callerFor, fieldOf, refusal, sessionActor, taskDone } from '@/server/testing/caller';
import { ADMIN, openQemuConsole, TEST_ISO, type QemuConsole } from '@/server/testing/qemu-console';
import { ensureCertificate } from '@/server/tls';
import { startNodeMonitor } from '@/server/workers/node-monitor';

// The console side of issue 3, end to end: every step goes through the tRPC
// procedures a user's browser calls (with their permission checks), to a real
// agent running real QEMU (TCG) on this host.

const NODE1 = 'hx-guests1';
const NODE2 = 'hx-guests2';

let hx: QemuConsole;
let agent: Agent;
let consoleServer: Server | null = null;
let stopMonitor: (() => void) | null = null;
const dbKey = Symbol.for('horcrux.db');

const as = (userid: string) => callerFor(hx.db, sessionActor(userid));
const admin = () => as(ADMIN);

async function imageVolids(node: string): Promise<string[]> {
  return (await admin().node.volumes({ node, storage: 'local', content: 'images' })).map((v) => v.volid);
}

beforeAll(async () => {
  hx = await openQemuConsole('hx-guests');
  agent = await hx.addNode(NODE1);
  await hx.addIso(NODE1);
});

afterAll(async () => {
  stopMonitor?.();
  await new Promise((r) => (consoleServer ? consoleServer.close(r) : r(undefined)));
  await hx?.close();
});

describe('a VM through the console, on a real agent and real QEMU', () => {
  let vmid: number;
  let diskVolid: string;
  let serial: SerialReader | null = null;

  afterAll(() => serial?.close());

  it('is created by vm.create as a task that ends OK, and listed with its config and volume', async () => {
    vmid = await admin().vm.nextId();
    expect(vmid).toBe(100);
    const { upid } = await admin().vm.create({
      node: NODE1,
      vmid,
      name: 'hx-int-guest',
      memoryMiB: 160,
      disks: [{ slot: 'scsi0', sizeMiB: 32, format: 'qcow2' }],
      cdrom: { volume: `local:iso/${TEST_ISO}` },
      boot: ['ide2', 'scsi0'],
    });
    expect(upid).toMatch(new RegExp(`^UPID:${NODE1}:.*:qmcreate:${vmid}:${ADMIN}:$`));
    // The task strip shows it at once.
    expect((await admin().task.recent({})).map((x) => x.upid)).toContain(upid);

    const log = await taskDone(hx.db, upid);
    expect(log.status).toBe('OK');
    expect(log.lines.length).toBeGreaterThan(0);

    await syncNode(hx.db, NODE1);
    const listed = await admin().vm.list({});
    expect(listed.map((g) => [g.vmid, g.node, g.name, g.status])).toEqual([[vmid, NODE1, 'hx-int-guest', 'stopped']]);
    const g = await admin().vm.get({ vmid });
    expect(g).toMatchObject({
      lock: null,
      pending: null,
      nodeOnline: true,
      can: { powerMgmt: true, config: true, disk: true, allocate: true, console: true },
    });
    expect(g.config).toMatchObject({
      memoryMiB: 160,
      cdrom: { volume: `local:iso/${TEST_ISO}` },
      boot: ['ide2', 'scsi0'],
    });
    const disks = 'disks' in g.config ? g.config.disks : [];
    expect(disks).toHaveLength(1);
    diskVolid = disks[0]!.volume;
    expect(diskVolid).toBe(`local:${vmid}/vm-${vmid}-disk-0.qcow2`);
    const vol = (await admin().node.volumes({ node: NODE1, storage: 'local', content: 'images' })).find(
      (v) => v.volid === diskVolid,
    );
    expect(vol).toMatchObject({ format: 'qcow2', sizeBytes: 32 * 1024 * 1024, vmid });
    expect(await admin().vm.nextId()).toBe(vmid + 1);
  });

  it('refuses bad input naming the field, and creates nothing', async () => {
    const next = await admin().vm.nextId();
    const base = {
      node: NODE1,
      vmid: next,
      name: 'ok',
      memoryMiB: 160,
      disks: [{ slot: 'scsi0' as const, sizeMiB: 16 }],
    };
    const before = { rows: await hx.db.guest.count(), volumes: await imageVolids(NODE1) };

    const badName = await refusal(admin().vm.create({ ...base, name: 'a;reboot' }));
    expect(badName.code).toBe('BAD_REQUEST');
    expect(fieldOf(badName)).toBe('name');

    const taken = await refusal(admin().vm.create({ ...base, vmid, name: 'twin' }));
    expect(taken.code).toBe('CONFLICT');
    expect(fieldOf(taken)).toBe('vmid');
    expect(taken.message).toBe(`VM ${vmid} already exists: choose another vmid (next free: ${next})`);

    const badStorage = await refusal(
      admin().vm.create({ ...base, disks: [{ slot: 'scsi0', sizeMiB: 16, storage: '../x' }] }),
    );
    expect(badStorage.code).toBe('BAD_REQUEST');
    expect(fieldOf(badStorage)).toBe('disks.0.storage');

    // Refused by the agent, after the console reserved the vmid: the reservation is released.
    const noIso = await refusal(admin().vm.create({ ...base, cdrom: { volume: 'local:iso/missing.iso' } }));
    expect(['BAD_REQUEST', 'NOT_FOUND']).toContain(noIso.code);
    expect(fieldOf(noIso)).toBe('cdrom.volume');
    expect(noIso.message).toContain('cdrom.volume');

    expect(await hx.db.guest.count()).toBe(before.rows);
    expect(await hx.db.guest.findUnique({ where: { vmid: next } })).toBeNull();
    expect(await imageVolids(NODE1)).toEqual(before.volumes);
    // The existing guest was not touched by the refused twin.
    expect((await admin().vm.get({ vmid })).name).toBe('hx-int-guest');
  });

  it('starts: the task ends OK, QMP says running, and vm.get says running', async () => {
    const { upid } = await admin().vm.action({ vmid, action: 'start' });
    expect((await taskDone(hx.db, upid)).status).toBe('OK');
    serial = await SerialReader.connect(path.join(agent.runDir, `${vmid}.serial`));
    expect(await agent.driver.status(vmid)).toMatchObject({ state: 'running', qmpStatus: 'running' });
    await syncNode(hx.db, NODE1);
    expect(await admin().vm.get({ vmid })).toMatchObject({ status: 'running', lock: null });
  });

  it('node.list shows the node online with its facts', async () => {
    const nodes = await admin().node.list();
    expect(nodes.map((n) => [n.name, n.status])).toEqual([[NODE1, 'online']]);
    const facts = nodes[0]!.facts!;
    expect(facts).toMatchObject({ name: NODE1, driver: 'qemu', kernel: os.release() });
    expect(facts.qemuVersion).toMatch(/^\d+\.\d+/);
    expect(['kvm', 'tcg']).toContain(facts.kvm.accel);
    expect(facts.kvm.usable).toBe(facts.kvm.accel === 'kvm');
    expect(facts.capabilities.hardwareAcceleration).toBe(facts.kvm.accel === 'kvm');
  });

  it('keeps a memory change made while running as pending, the config in force unchanged', async () => {
    const { upid } = await admin().vm.update({ vmid, changes: { memoryMiB: 192 } });
    expect((await taskDone(hx.db, upid)).status).toBe('OK');
    await syncNode(hx.db, NODE1);
    const g = await admin().vm.get({ vmid });
    expect(g.config).toMatchObject({ memoryMiB: 160 });
    expect(g.pending).toEqual({ memoryMiB: 192 });
    expect(g.status).toBe('running');
  });

  it('refuses a second action while the first runs, naming its UPID', async () => {
    // A reboot holds the guest's lock through the ACPI power-off and the new start: the window is wide.
    await serial!.waitFor(/HORCRUX-TEST-GUEST READY/, 90_000);
    serial!.close();
    const pid = (await agent.driver.status(vmid)).pid;
    const first = await admin().vm.action({ vmid, action: 'reboot', timeoutSeconds: 30 });
    const second = await refusal(admin().vm.action({ vmid, action: 'stop' }));
    expect(second.code).toBe('CONFLICT');
    expect(second.message).toContain(first.upid);
    expect(await syncNode(hx.db, NODE1).then(() => admin().vm.get({ vmid }))).toMatchObject({ lock: first.upid });

    expect((await taskDone(hx.db, first.upid)).status).toBe('OK');
    // The refused stop did nothing: the guest runs, in a new QEMU with the pending change applied.
    const after = await agent.driver.status(vmid);
    expect(after).toMatchObject({ state: 'running', qmpStatus: 'running' });
    expect(after.pid).not.toBe(pid);
    serial = await SerialReader.connect(path.join(agent.runDir, `${vmid}.serial`));
    await syncNode(hx.db, NODE1);
    const g = await admin().vm.get({ vmid });
    expect(g).toMatchObject({ status: 'running', lock: null, pending: null });
    expect(g.config).toMatchObject({ memoryMiB: 192 });
  });

  it('shuts down by ACPI (forced stop after 5 s as the fallback): the task ends OK and the guest is stopped', async () => {
    // Once the guest's init listens for the power button, so the ACPI path is what is tested.
    await serial!.waitFor(/HORCRUX-TEST-GUEST READY/, 90_000);
    const { upid } = await admin().vm.action({ vmid, action: 'shutdown', forceStop: true, timeoutSeconds: 5 });
    const done = await taskDone(hx.db, upid);
    // Not "WARNINGS": the guest powered itself off, no forced stop was needed.
    expect(done.status).toBe('OK');
    expect(done.lines.map((l) => l.t).join('\n')).toMatch(/ACPI power-down/);
    expect(await agent.driver.status(vmid)).toMatchObject({ state: 'stopped', reason: null });
    await syncNode(hx.db, NODE1);
    expect(await admin().vm.get({ vmid })).toMatchObject({ status: 'stopped', lock: null });
  });

  it('a PVEVMUser on /vms/<vmid> starts and stops the guest but may not delete it; a user without rights sees nothing', async () => {
    const root = admin();
    await root.access.users.create({ userid: 'bob@local', password: 'bob password 1' });
    await root.access.users.create({ userid: 'carol@local', password: 'carol password 1' });
    await root.access.acl.grant({ path: `/vms/${vmid}`, type: 'user', ugid: 'bob@local', roleid: 'PVEVMUser' });
    const bob = as('bob@local');

    const listed = await bob.vm.list({});
    expect(listed.map((g) => g.vmid)).toEqual([vmid]);
    expect(listed[0]!.can).toEqual({ powerMgmt: true });
    expect((await bob.vm.get({ vmid })).can).toEqual({
      powerMgmt: true,
      config: true,
      disk: false,
      allocate: false,
      console: true,
    });

    const { upid } = await bob.vm.action({ vmid, action: 'start' });
    expect(upid).toContain(':bob@local:');
    expect((await taskDone(hx.db, upid, { userid: 'bob@local' })).status).toBe('OK');
    expect(await agent.driver.status(vmid)).toMatchObject({ state: 'running', qmpStatus: 'running' });
    await syncNode(hx.db, NODE1);
    expect(await bob.vm.get({ vmid })).toMatchObject({ status: 'running', config: { memoryMiB: 192 } });

    const del = await refusal(bob.vm.delete({ vmid, force: true }));
    expect(del.code).toBe('FORBIDDEN');
    expect(del.message).toContain('VM.Allocate');
    // bob sees his own tasks, not the administrator's.
    expect(new Set((await bob.task.recent({})).map((x) => x.userId))).toEqual(new Set(['bob@local']));

    const carol = as('carol@local');
    expect(await carol.vm.list({})).toEqual([]);
    expect((await refusal(carol.vm.get({ vmid }))).code).toBe('FORBIDDEN');
    expect((await refusal(carol.vm.action({ vmid, action: 'stop' }))).code).toBe('FORBIDDEN');
    await expect(carol.task.log({ upid })).rejects.toMatchObject({ code: 'NOT_FOUND' });

    const stop = await bob.vm.action({ vmid, action: 'stop' });
    expect((await taskDone(hx.db, stop.upid, { userid: 'bob@local' })).status).toBe('OK');
    expect((await agent.driver.status(vmid)).state).toBe('stopped');
    // Still there: the refused delete did nothing.
    expect(await imageVolids(NODE1)).toContain(diskVolid);
  });

  it('the node monitor marks a silent node online again and mirrors its tasks', async () => {
    // As if the console had not heard from the node for an hour, and knew none of its tasks.
    await hx.db.node.update({ where: { name: NODE1 }, data: { lastSeenAt: new Date(Date.now() - 3_600_000) } });
    await hx.db.task.deleteMany({});
    expect((await admin().node.list()).find((n) => n.name === NODE1)?.status).toBe('offline');
    expect((await admin().vm.get({ vmid })).status).toBe('unknown');
    expect(await admin().task.recent({})).toEqual([]);

    const lines: string[] = [];
    const monitor = startNodeMonitor(hx.db, (l) => lines.push(l));
    stopMonitor = monitor.stop;
    try {
      await expect
        .poll(async () => (await admin().node.list()).find((n) => n.name === NODE1)?.status, { timeout: 20_000 })
        .toBe('online');
      const seen = (await admin().node.list()).find((n) => n.name === NODE1)!.lastSeenAt!;
      expect(Date.now() - seen.getTime()).toBeLessThan(30_000);
      await expect
        .poll(async () =>
          (await admin().task.recent({ limit: 100 })).filter((x) => x.target === String(vmid)).map((x) => x.type),
        )
        .toEqual(expect.arrayContaining(['qmcreate', 'qmstart', 'qmconfig', 'qmreboot', 'qmshutdown', 'qmstop']));
      const recent = await admin().task.recent({ limit: 100 });
      expect(recent.every((x) => x.status !== 'running')).toBe(true);
      expect(recent.some((x) => x.userId === 'bob@local' && x.type === 'qmstart')).toBe(true);
      expect((await admin().vm.get({ vmid })).status).toBe('stopped');
      expect(lines).toEqual([]);
    } finally {
      monitor.stop();
      stopMonitor = null;
    }
  });

  it('is deleted by vm.delete: task OK, its volume gone from the storage, the guest gone from vm.list', async () => {
    const { upid } = await admin().vm.delete({ vmid });
    expect((await taskDone(hx.db, upid)).status).toBe('OK');
    expect(await imageVolids(NODE1)).not.toContain(diskVolid);
    expect((await admin().node.volumes({ node: NODE1, storage: 'local' })).filter((v) => v.vmid === vmid)).toEqual([]);
    // The ISO is not the guest's: it stays.
    expect((await admin().node.volumes({ node: NODE1, storage: 'local', content: 'iso' })).map((v) => v.volid)).toEqual(
      [`local:iso/${TEST_ISO}`],
    );
    await syncNode(hx.db, NODE1);
    expect(await admin().vm.list({})).toEqual([]);
    await expect(admin().vm.get({ vmid })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('a second agent on this host joins with a join token', () => {
  let agent2: Agent;
  let consoleUrl: string;

  /** What `npm run agent -- --join …` does on the new host, with the command the UI shows. */
  const join = (command: string, nodeName: string, a: Agent) => {
    const arg = (flag: string) => {
      const words = command.split(' ');
      return words[words.indexOf(flag) + 1]!;
    };
    return joinConsole({
      consoleUrl: arg('--join'),
      joinToken: arg('--token'),
      consoleFingerprint: arg('--fingerprint'),
      nodeName,
      agentUrl: a.url,
      agentFingerprint: a.fingerprint,
      dataDir: a.dataDir,
    });
  };

  beforeAll(async () => {
    // The console's real join route (app/api/agent/join), served on the console's certificate.
    // It reads the process-wide database handle (server/db.ts), which here is the test database.
    (globalThis as Record<symbol, unknown>)[dbKey] = Promise.resolve({ client: hx.db, pglite: null, url: null });
    const { POST } = await import('@/app/api/agent/join/route');
    const tls = await ensureCertificate(hx.dir, 'console');
    consoleServer = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const request = new Request(`https://127.0.0.1${req.url ?? '/'}`, {
          method: req.method,
          headers: { 'content-type': 'application/json', 'x-forwarded-for': '127.0.0.1' },
          body: Buffer.concat(chunks),
        });
        void POST(request)
          .then(async (r) => {
            res.writeHead(r.status, { 'content-type': 'application/json' });
            res.end(Buffer.from(await r.arrayBuffer()));
          })
          .catch(() => {
            res.writeHead(500);
            res.end();
          });
      });
    });
    await new Promise<void>((r) => consoleServer!.listen(0, '127.0.0.1', r));
    consoleUrl = `https://127.0.0.1:${(consoleServer.address() as AddressInfo).port}`;
    agent2 = await hx.startAgent(NODE2);
  });

  it('a token works once; used, expired and garbage tokens are refused alike', async () => {
    const created = await admin().node.createJoinToken({ consoleUrl });
    expect(created.command).toContain(`--token ${created.token}`);
    expect(created.expiresAt.getTime()).toBeGreaterThan(Date.now());

    await join(created.command, NODE2, agent2);
    let nodes = await admin().node.list();
    expect(nodes.map((n) => n.name)).toEqual([NODE1, NODE2]);
    await syncNode(hx.db, NODE2);
    nodes = await admin().node.list();
    expect(nodes.find((n) => n.name === NODE2)).toMatchObject({
      status: 'online',
      url: agent2.url,
      facts: { name: NODE2, driver: 'qemu' },
    });

    // Would-be nodes that must not get in.
    const intruder = await hx.startAgent('hx-intruder');
    const expired = await admin().node.createJoinToken({ consoleUrl });
    await hx.db.joinToken.update({
      where: { id: expired.token.split('.')[0] },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    const garbage = created.command.replace(created.token, 'not-a-join-token-at-all');
    const wrongSecret = created.command.replace(created.token, `${expired.token.split('.')[0]}.${'x'.repeat(32)}`);
    const messages: string[] = [];
    for (const command of [created.command, expired.command, garbage, wrongSecret]) {
      const e = await join(command, 'hx-intruder', intruder).then(
        () => null,
        (err: Error) => err,
      );
      expect(e).toBeInstanceOf(Error);
      messages.push(e!.message);
    }
    expect(new Set(messages).size).toBe(1);
    expect(messages[0]).toBe(
      'the console refused to join: the join token is unknown, expired or used already; create a new one under Datacenter → Nodes → Add node',
    );
    expect((await admin().node.list()).map((n) => n.name)).toEqual([NODE1, NODE2]);
    // The refused agent got no node token: it still answers nobody.
    expect(await readdir(intruder.dataDir)).not.toContain(TOKEN_HASH_FILE);
  });

  it('guests are created on either node, with cluster-unique vmids', async () => {
    const vmid1 = await admin().vm.nextId();
    const c1 = await admin().vm.create({
      node: NODE1,
      vmid: vmid1,
      name: 'on-node1',
      memoryMiB: 128,
      disks: [{ slot: 'scsi0', sizeMiB: 16 }],
    });
    const vmid2 = await admin().vm.nextId();
    expect(vmid2).toBe(vmid1 + 1);
    const c2 = await admin().vm.create({
      node: NODE2,
      vmid: vmid2,
      name: 'on-node2',
      memoryMiB: 128,
      disks: [{ slot: 'scsi0', sizeMiB: 16 }],
    });
    // A vmid taken on one node is taken on the other.
    const twin = await refusal(admin().vm.create({ node: NODE2, vmid: vmid1, name: 'twin', memoryMiB: 128 }));
    expect(twin.code).toBe('CONFLICT');
    expect(fieldOf(twin)).toBe('vmid');

    expect((await taskDone(hx.db, c1.upid)).status).toBe('OK');
    expect((await taskDone(hx.db, c2.upid)).status).toBe('OK');
    expect(c2.upid).toMatch(new RegExp(`^UPID:${NODE2}:`));
    await syncNode(hx.db, NODE1);
    await syncNode(hx.db, NODE2);
    expect((await admin().vm.list({})).map((g) => [g.vmid, g.node])).toEqual([
      [vmid1, NODE1],
      [vmid2, NODE2],
    ]);
    expect((await admin().vm.list({ node: NODE2 })).map((g) => g.vmid)).toEqual([vmid2]);
    expect(await imageVolids(NODE2)).toEqual([`local:${vmid2}/vm-${vmid2}-disk-0.qcow2`]);

    // It really runs on the second node's QEMU.
    expect((await taskDone(hx.db, (await admin().vm.action({ vmid: vmid2, action: 'start' })).upid)).status).toBe('OK');
    expect(await agent2.driver.status(vmid2)).toMatchObject({ state: 'running', qmpStatus: 'running' });
    expect((await agent.driver.status(vmid2)).state).toBe('stopped');
    expect((await taskDone(hx.db, (await admin().vm.action({ vmid: vmid2, action: 'stop' })).upid)).status).toBe('OK');

    for (const vmid of [vmid1, vmid2])
      expect((await taskDone(hx.db, (await admin().vm.delete({ vmid })).upid)).status).toBe('OK');
    expect(await imageVolids(NODE1)).toEqual([]);
    expect(await imageVolids(NODE2)).toEqual([]);
    await syncNode(hx.db, NODE1);
    await syncNode(hx.db, NODE2);
    expect(await admin().vm.list({})).toEqual([]);
  });

  it('a join refused for a taken node name leaves the token usable for a retry under another name', async () => {
    const third = await hx.startAgent('hx-guests3');
    const { command } = await admin().node.createJoinToken({ consoleUrl });
    await expect(join(command, NODE1, third)).rejects.toThrow(
      `the console refused to join: a node named ${NODE1} already exists: start the agent with another --name, or remove the old node first`,
    );
    // The node already there keeps its address.
    expect((await admin().node.list()).find((n) => n.name === NODE1)?.url).toBe(agent.url);
    // As the message advises: the same command, another name.
    await join(command, 'hx-guests3', third);
    await syncNode(hx.db, 'hx-guests3');
    expect((await admin().node.list()).map((n) => [n.name, n.status])).toEqual([
      [NODE1, 'online'],
      [NODE2, 'online'],
      ['hx-guests3', 'online'],
    ]);
  });
});
