import { readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SerialReader } from '@/agent/drivers/qemu/test-helpers';
import type { DiskSlot } from '@/agent/drivers/types';
import { exec, ExecError } from '@/agent/lib/exec';
import type { Agent } from '@/agent/server/agent';
import { callerFor, fieldOf, refusal, sessionActor, taskDone } from '@/server/testing/caller';
import { ADMIN, openQemuConsole, TEST_ISO, type QemuConsole } from '@/server/testing/qemu-console';
import { syncNode } from '@/server/services/nodes/sync';
import { listSnapshotEntries } from './snapshots';

// Snapshots end to end: tRPC procedures (with their permission checks) → the
// console's snapshot service → a real agent → qemu-img / QMP on real QEMU (TCG).

const NODE = 'hx-snap1';

let hx: QemuConsole;
let agent: Agent;

const admin = () => callerFor(hx.db, sessionActor(ADMIN));

/** Runs a task to its end and expects OK, showing its log otherwise. */
async function ok(p: Promise<{ upid: string }>) {
  const { upid } = await p;
  const log = await taskDone(hx.db, upid);
  expect(log.status, log.lines.map((l) => l.t).join('\n')).toBe('OK');
  return log;
}

function imagePath(vmid: number, file = `vm-${vmid}-disk-0.qcow2`): string {
  return path.join(agent.dataDir, 'storage', 'local', 'images', String(vmid), file);
}

/** `qemu-io` on a stopped guest's image: writes a byte pattern, or checks it (false on a mismatch). */
async function qemuIo(vmid: number, op: 'write' | 'read', pattern: number, file?: string): Promise<boolean> {
  const cmd = `${op} -P 0x${pattern.toString(16)} 0 64k`;
  try {
    await exec('qemu-io', ['-f', 'qcow2', '-c', cmd, imagePath(vmid, file)]);
    return true;
  } catch (e) {
    if (e instanceof ExecError && op === 'read' && /Pattern verification failed/.test(e.stdout + e.stderr))
      return false;
    throw e;
  }
}

/** The recorded tree as `name<-parent` pairs, and the current position. */
async function tree(vmid: number) {
  const l = await admin().snapshot.list({ vmid });
  return {
    edges: Object.fromEntries(l.snapshots.map((s) => [s.name, s.parent])),
    current: l.parent,
    list: l,
  };
}

type GuestRecord = { config: { disks: object[] }; snapshots: { list: { name: string; config?: object }[] } };

/** Changes the agent's record of a guest (`<data>/guests/<vmid>.json`) as a stopped agent's file would be. */
async function editRecord(vmid: number, change: (r: GuestRecord) => void): Promise<void> {
  const file = path.join(agent.dataDir, 'guests', `${vmid}.json`);
  const stored = JSON.parse(await readFile(file, 'utf8')) as GuestRecord;
  change(stored);
  await writeFile(`${file}.new`, JSON.stringify(stored));
  await rename(`${file}.new`, file);
}

/** Adds a new disk to a stopped guest (vm.addDisk) and writes `pattern` into it; answers its volume. */
async function addDisk(vmid: number, slot: DiskSlot, file: string, pattern: number): Promise<string> {
  const volume = `local:${vmid}/${file}`;
  const log = await ok(admin().vm.addDisk({ vmid, slot, storage: 'local', sizeMiB: 8, format: 'qcow2' }));
  expect(logText(log)).toContain(`added ${slot}: ${volume}`);
  expect(await qemuIo(vmid, 'write', pattern, file)).toBe(true);
  return volume;
}

/** The guest as the console shows it, after the console caught up with its node. */
async function shown(vmid: number) {
  await syncNode(hx.db, NODE);
  return admin().vm.get({ vmid });
}

const logText = (log: { lines: { t: string }[] }) => log.lines.map((l) => l.t).join('\n');

async function createGuest(vmid: number, extra: Record<string, unknown> = {}) {
  await ok(
    admin().vm.create({
      node: NODE,
      vmid,
      name: `snap-${vmid}`,
      memoryMiB: 64,
      nics: [],
      disks: [{ slot: 'scsi0', sizeMiB: 16, format: 'qcow2' }],
      ...extra,
    }),
  );
}

beforeAll(async () => {
  hx = await openQemuConsole('hx-snap');
  agent = await hx.addNode(NODE);
  await hx.addIso(NODE);
}, 900_000);

afterAll(() => hx?.close());

describe('snapshots of a stopped guest (qemu-img)', () => {
  const vmid = 200;
  beforeAll(() => createGuest(vmid), 120_000);

  it('A, overwrite, B, rollback to A: the disk reads the first pattern again', async () => {
    expect(await qemuIo(vmid, 'write', 0x11)).toBe(true);
    await ok(admin().snapshot.create({ vmid, name: 'A', description: 'first pattern' }));
    expect(await qemuIo(vmid, 'write', 0x22)).toBe(true);
    await ok(admin().snapshot.create({ vmid, name: 'B' }));
    expect(await qemuIo(vmid, 'read', 0x11)).toBe(false);

    await ok(admin().snapshot.rollback({ vmid, name: 'A' }));
    expect(await qemuIo(vmid, 'read', 0x11)).toBe(true);

    const { edges, current, list } = await tree(vmid);
    expect(edges).toEqual({ A: null, B: 'A' });
    expect(current).toBe('A');
    expect(list.running).toBe(false);
    expect(list.unrecorded).toEqual([]);
    expect(list.snapshots.every((s) => s.missing.length === 0 && !s.vmstate)).toBe(true);
    expect(list.snapshots.find((s) => s.name === 'A')?.description).toBe('first pattern');
    expect(list.can).toEqual({ snapshot: true, rollback: true });

    // Rollback to B brings the second pattern back.
    await ok(admin().snapshot.rollback({ vmid, name: 'B' }));
    expect(await qemuIo(vmid, 'read', 0x22)).toBe(true);
    await ok(admin().snapshot.rollback({ vmid, name: 'A' }));
  });

  it('A → B, rollback A, C: C descends from A, current is C; delete A re-links its children', async () => {
    await ok(admin().snapshot.create({ vmid, name: 'C' }));
    let s = await tree(vmid);
    expect(s.edges).toEqual({ A: null, B: 'A', C: 'A' });
    expect(s.current).toBe('C');

    // The Proxmox-shaped list the REST API returns.
    const entries = await listSnapshotEntries(hx.db, sessionActor(ADMIN), vmid);
    expect(entries.map((e) => [e.name, e.parent ?? null])).toEqual([
      ['A', null],
      ['B', 'A'],
      ['C', 'A'],
      ['current', 'C'],
    ]);
    expect(entries.at(-1)).toMatchObject({ name: 'current', running: 0, description: 'You are here!' });
    expect(entries[0]).toMatchObject({ vmstate: 0, description: 'first pattern' });

    await ok(admin().snapshot.delete({ vmid, name: 'A' }));
    s = await tree(vmid);
    expect(s.edges).toEqual({ B: null, C: null });
    expect(s.current).toBe('C');
    const { stdout } = await exec('qemu-img', ['snapshot', '-l', imagePath(vmid)]);
    expect(stdout).not.toMatch(/\sA\s/);
    expect(stdout).toMatch(/\sB\s/);

    // Deleting the current position moves it to its parent.
    await ok(admin().snapshot.create({ vmid, name: 'D' }));
    expect((await tree(vmid)).edges).toEqual({ B: null, C: null, D: 'C' });
    await ok(admin().snapshot.delete({ vmid, name: 'D' }));
    s = await tree(vmid);
    expect(s.current).toBe('C');
    expect(s.edges).toEqual({ B: null, C: null });
  });

  it('edits a description without a task', async () => {
    expect(await admin().snapshot.update({ vmid, name: 'C', description: 'after the rollback' })).toBeNull();
    expect((await tree(vmid)).list.snapshots.find((s) => s.name === 'C')?.description).toBe('after the rollback');
  });

  it('refuses bad names, duplicates, "current", and a rollback while a task holds the lock; nothing changes', async () => {
    const before = await tree(vmid);
    for (const name of ['1st', 'with space', 'semi;colon', '-dash', 'x'.repeat(41), '', 'current']) {
      const e = await refusal(admin().snapshot.create({ vmid, name }));
      expect(e.code, name).toBe('BAD_REQUEST');
      expect(fieldOf(e), name).toBe('name');
    }
    const cur = await refusal(admin().snapshot.delete({ vmid, name: 'current' }));
    expect(cur.code).toBe('BAD_REQUEST');
    expect(cur.message).toContain("'current' is reserved");

    const dup = await refusal(admin().snapshot.create({ vmid, name: 'C' }));
    expect(dup.code).toBe('CONFLICT');
    expect(dup.message).toContain('has a snapshot named C already');

    const none = await refusal(admin().snapshot.rollback({ vmid, name: 'Nope' }));
    expect(none.code).toBe('NOT_FOUND');

    // A task holding the guest (as any running operation does) blocks a rollback.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const upid = agent.tasks.start({
      type: 'qmconfig',
      id: String(vmid),
      user: ADMIN,
      locks: [`guest:${vmid}`],
      run: () => held,
    });
    try {
      const locked = await refusal(admin().snapshot.rollback({ vmid, name: 'B' }));
      expect(locked.code).toBe('CONFLICT');
      expect(locked.message).toContain(upid);
      const lockedDel = await refusal(admin().snapshot.delete({ vmid, name: 'B' }));
      expect(lockedDel.message).toContain(upid);
    } finally {
      release();
      await agent.tasks.wait(upid);
    }
    const after = await tree(vmid);
    expect(after.edges).toEqual(before.edges);
    expect(after.current).toBe(before.current);
    // Every attempt is in the audit log, refused ones with the reason.
    const events = (await admin().access.audit.list({ action: 'vm.rollback' })).filter(
      (e) => e.actor === ADMIN && e.target === String(vmid),
    );
    expect(events.some((e) => e.result === 'ok')).toBe(true);
    expect(events.some((e) => e.result.startsWith('error: ') && e.result.includes(upid))).toBe(true);
  });

  it('flags a recorded snapshot missing on disk and shows an unrecorded one; refuses to roll back to the missing one', async () => {
    await exec('qemu-img', ['snapshot', '-d', 'B', imagePath(vmid)]);
    await exec('qemu-img', ['snapshot', '-c', 'stray', imagePath(vmid)]);
    const { list } = await tree(vmid);
    const b = list.snapshots.find((s) => s.name === 'B')!;
    expect(b.missing).toEqual([{ slot: 'scsi0', volume: `local:${vmid}/vm-${vmid}-disk-0.qcow2` }]);
    expect(list.unrecorded).toMatchObject([{ name: 'stray', slot: 'scsi0' }]);

    const e = await refusal(admin().snapshot.rollback({ vmid, name: 'B' }));
    expect(e.code).toBe('CONFLICT');
    expect(e.message).toContain('missing on scsi0');
    const clash = await refusal(admin().snapshot.create({ vmid, name: 'stray' }));
    expect(clash.message).toContain('unrecorded snapshot named stray');

    // Deleting cleans up both: the record of B, and the stray snapshot on disk.
    await ok(admin().snapshot.delete({ vmid, name: 'B' }));
    await ok(admin().snapshot.delete({ vmid, name: 'stray' }));
    const after = await tree(vmid);
    expect(after.edges).toEqual({ C: null });
    expect(after.list.unrecorded).toEqual([]);
  });

  it('asked for RAM state while stopped, takes the disks only (as Proxmox)', async () => {
    const log = await ok(admin().snapshot.create({ vmid, name: 'E', vmstate: true }));
    expect(log.lines.map((l) => l.t).join('\n')).toContain('no RAM state to save');
    expect((await tree(vmid)).list.snapshots.find((s) => s.name === 'E')).toMatchObject({
      vmstate: false,
      parent: 'C',
    });
    await ok(admin().snapshot.delete({ vmid, name: 'E' }));
  });

  it('a rollback restores the config: memory as it was, a disk added since detached with its bytes kept', async () => {
    await ok(admin().snapshot.create({ vmid, name: 'small' }));
    await ok(admin().vm.update({ vmid, changes: { memoryMiB: 96 } }));
    const added = await addDisk(vmid, 'scsi1', `vm-${vmid}-disk-1.qcow2`, 0x33);
    await ok(admin().snapshot.create({ vmid, name: 'big' }));
    const sizeBefore = (await stat(imagePath(vmid, `vm-${vmid}-disk-1.qcow2`))).size;

    const log = logText(await ok(admin().snapshot.rollback({ vmid, name: 'small' })));
    let g = await shown(vmid);
    expect(g.config.memoryMiB).toBe(64);
    expect(g.config.disks.map((d) => d.slot)).toEqual(['scsi0']);
    expect(log).toContain(`scsi1 (${added}) was added after small: detached`);
    expect(log).toContain(`its volume ${added} is kept on storage local (snapshots big still use it)`);
    // The detached disk keeps its volume and its data.
    const volumes = await admin().node.volumes({ node: NODE, storage: 'local', content: 'images' });
    expect(volumes.map((v) => v.volid)).toContain(added);
    expect(await qemuIo(vmid, 'read', 0x33, `vm-${vmid}-disk-1.qcow2`)).toBe(true);
    expect((await stat(imagePath(vmid, `vm-${vmid}-disk-1.qcow2`))).size).toBe(sizeBefore);
    // The snapshot taken with it is intact, and rolling back to it attaches it again.
    const l = await admin().snapshot.list({ vmid });
    expect(l.snapshots.find((s) => s.name === 'big')).toMatchObject({ missing: [], config: { memoryMiB: 96 } });
    expect(l.unrecorded).toEqual([]);
    await ok(admin().snapshot.rollback({ vmid, name: 'big' }));
    g = await shown(vmid);
    expect(g.config).toMatchObject({ memoryMiB: 96, disks: [{ slot: 'scsi0' }, { slot: 'scsi1', volume: added }] });
    expect(await qemuIo(vmid, 'read', 0x33, `vm-${vmid}-disk-1.qcow2`)).toBe(true);

    // A snapshot whose disk's volume is gone is refused before anything changes.
    await ok(admin().snapshot.rollback({ vmid, name: 'small' }));
    const aside = `${imagePath(vmid, `vm-${vmid}-disk-1.qcow2`)}.aside`;
    await rename(imagePath(vmid, `vm-${vmid}-disk-1.qcow2`), aside);
    try {
      const e = await refusal(admin().snapshot.rollback({ vmid, name: 'big' }));
      expect(e.code).toBe('CONFLICT');
      expect(e.message).toContain(`the volume of scsi1 (${added}) no longer exists`);
      expect((await tree(vmid)).current).toBe('small');
    } finally {
      await rename(aside, imagePath(vmid, `vm-${vmid}-disk-1.qcow2`));
    }
  });

  it('a snapshot recorded before Horcrux kept configs: the rollback restores the disks only, and warns', async () => {
    expect(await qemuIo(vmid, 'write', 0x55)).toBe(true);
    await ok(admin().snapshot.create({ vmid, name: 'old' }));
    // A record as written before snapshots kept the config.
    await editRecord(vmid, (r) => delete r.snapshots.list.find((s) => s.name === 'old')?.config);
    expect(await qemuIo(vmid, 'write', 0x44)).toBe(true);
    await ok(admin().vm.update({ vmid, changes: { memoryMiB: 80 } }));

    const { upid } = await admin().snapshot.rollback({ vmid, name: 'old' });
    const log = await taskDone(hx.db, upid);
    expect(log.status).toBe('WARNINGS: 1');
    expect(logText(log)).toContain("old was taken before Horcrux kept the VM's configuration");
    expect(await qemuIo(vmid, 'read', 0x55)).toBe(true);
    expect((await shown(vmid)).config.memoryMiB).toBe(80);
    expect((await tree(vmid)).current).toBe('old');
  });

  it('deleting the guest removes every volume of it, also a detached one', async () => {
    expect((await shown(vmid)).config.disks).toHaveLength(1);
    await ok(admin().vm.delete({ vmid }));
    const volumes = await admin().node.volumes({ node: NODE, storage: 'local', content: 'images' });
    expect(volumes.filter((v) => v.vmid === vmid)).toEqual([]);
  });
});

describe('a guest on raw storage', () => {
  const vmid = 201;
  beforeAll(() => createGuest(vmid, { disks: [{ slot: 'virtio0', sizeMiB: 8, format: 'raw' }] }), 120_000);

  it('is refused with the disk and the reason', async () => {
    const l = await admin().snapshot.list({ vmid });
    expect(l.capability.snapshot).toBe(false);
    expect(l.capability.reason).toContain('disk virtio0');
    const e = await refusal(admin().snapshot.create({ vmid, name: 'A' }));
    expect(e.code).toBe('CONFLICT');
    expect(e.message).toMatch(/disk virtio0: local:201\/vm-201-disk-0\.raw is a raw image .*no snapshot table/);
    expect((await admin().snapshot.list({ vmid })).snapshots).toEqual([]);
  });
});

describe('snapshots of a running guest (QMP jobs)', () => {
  const vmid = 202;
  let serial: SerialReader;

  beforeAll(async () => {
    await createGuest(vmid, { memoryMiB: 160, cdrom: { volume: `local:iso/${TEST_ISO}` }, boot: ['ide2', 'scsi0'] });
    await ok(admin().vm.action({ vmid, action: 'start' }));
    serial = await SerialReader.connect(path.join(agent.runDir, `${vmid}.serial`));
    await serial.waitFor(/HORCRUX-TEST-GUEST HEARTBEAT \d+/, 120_000);
  }, 240_000);
  afterAll(() => serial?.close());

  it('with RAM: after a rollback the guest runs again from where the snapshot was taken', async () => {
    const at = serial.lastHeartbeat();
    await ok(admin().snapshot.create({ vmid, name: 'live', vmstate: true, description: 'with RAM' }));
    const l = await admin().snapshot.list({ vmid });
    expect(l.running).toBe(true);
    expect(l.capability.withMemory).toBe(true);
    expect(l.snapshots.find((s) => s.name === 'live')).toMatchObject({ vmstate: true, missing: [] });

    // Change the guest's state: its heartbeat counter moves on.
    await serial.waitFor(new RegExp(`HEARTBEAT ${at + 4}\\b`), 60_000);
    const moved = serial.lastHeartbeat();
    // As Proxmox, the rollback stops the guest and starts a new QEMU for the RAM state: a new serial socket.
    serial.close();
    await ok(admin().snapshot.rollback({ vmid, name: 'live' }));
    expect(await agent.driver.status(vmid)).toMatchObject({ state: 'running', qmpStatus: 'running' });
    serial = await SerialReader.connect(path.join(agent.runDir, `${vmid}.serial`));
    // The counter continues from the snapshot's moment, not from where it had got to.
    await serial.waitFor(/HEARTBEAT \d+/, 60_000);
    const resumed = Number(/HEARTBEAT (\d+)/.exec(serial.text)![1]);
    expect(resumed).toBeLessThan(moved);
    expect(resumed).toBeGreaterThanOrEqual(at);
    expect((await tree(vmid)).current).toBe('live');
  });

  it('without RAM while running, deleted live; rollback to it leaves the guest stopped; rollback with RAM from stopped runs it again', async () => {
    await ok(admin().snapshot.create({ vmid, name: 'disks' }));
    await ok(admin().snapshot.create({ vmid, name: 'scratch' }));
    expect((await tree(vmid)).edges).toEqual({ live: null, disks: 'live', scratch: 'disks' });
    await ok(admin().snapshot.delete({ vmid, name: 'scratch' }));
    expect((await admin().snapshot.list({ vmid })).unrecorded).toEqual([]);
    expect((await tree(vmid)).current).toBe('disks');

    const log = await ok(admin().snapshot.rollback({ vmid, name: 'disks' }));
    expect(log.lines.map((l) => l.t).join('\n')).toContain('holds no RAM state');
    expect((await agent.driver.status(vmid)).state).toBe('stopped');
    expect((await tree(vmid)).current).toBe('disks');

    serial.close();
    await ok(admin().snapshot.rollback({ vmid, name: 'live' }));
    expect(await agent.driver.status(vmid)).toMatchObject({ state: 'running', qmpStatus: 'running' });
    serial = await SerialReader.connect(path.join(agent.runDir, `${vmid}.serial`));
    await serial.waitFor(/HEARTBEAT \d+/, 60_000);
    expect((await tree(vmid)).current).toBe('live');
    await ok(admin().vm.action({ vmid, action: 'stop' }));
  });

  it("with RAM after a memory change: stops the guest, starts it with the snapshot's config, and it runs on from the snapshot", async () => {
    await ok(admin().vm.update({ vmid, changes: { memoryMiB: 192 } }));
    await ok(admin().vm.action({ vmid, action: 'start' }));
    await ok(admin().vm.update({ vmid, changes: { cores: 2 } }));
    expect((await shown(vmid)).pending).toEqual({ cores: 2 });

    serial.close();
    const log = logText(await ok(admin().snapshot.rollback({ vmid, name: 'live' })));
    expect(log).toContain("stopped the guest: RAM state loads only into a machine started with live's hardware");
    expect(log).toContain('dropped pending changes: cores');
    const status = await agent.driver.status(vmid);
    expect(status).toMatchObject({ state: 'running', qmpStatus: 'running' });
    const argv = (await readFile(`/proc/${status.pid}/cmdline`, 'utf8')).split('\0');
    expect(argv[argv.indexOf('-m') + 1]).toBe('160');
    expect(await shown(vmid)).toMatchObject({ config: { memoryMiB: 160, cores: 1 }, pending: null });
    // The guest lives on: its heartbeat shows on the serial console again.
    serial = await SerialReader.connect(path.join(agent.runDir, `${vmid}.serial`));
    await serial.waitFor(/HEARTBEAT \d+/, 60_000);
    await ok(admin().vm.action({ vmid, action: 'stop' }));
  });
});
