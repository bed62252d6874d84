import { mkdir, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QemuDriver } from '@/agent/drivers/qemu/driver';
import { exec, ExecError } from '@/agent/lib/exec';
import type { Agent } from '@/agent/server/agent';
import { syncNode } from '@/server/services/nodes/sync';
import { callerFor, fieldOf, refusal, sessionActor, taskDone } from '@/server/testing/caller';
import { ADMIN, openQemuConsole, type QemuConsole } from '@/server/testing/qemu-console';

// Adding and detaching disks end to end: tRPC procedures (with their permission
// checks) → the console's disk service → a real agent → qemu-img, and real QEMU
// (TCG) for what the guest gets. One guest, started twice; it needs no OS:
// SeaBIOS finding no bootable disk is enough for QEMU to show its drives.

const NODE = 'hx-disks1';
const VMID = 300;
const MiB = 1024 * 1024;

let hx: QemuConsole;
let agent: Agent;

const admin = () => callerFor(hx.db, sessionActor(ADMIN));
const logText = (log: { lines: { t: string }[] }) => log.lines.map((l) => l.t).join('\n');

/** Runs a task to its end and expects OK, showing its log otherwise. */
async function ok(p: Promise<{ upid: string }>) {
  const { upid } = await p;
  const log = await taskDone(hx.db, upid);
  expect(log.status, logText(log)).toBe('OK');
  return log;
}

const imagePath = (file: string) => path.join(agent.dataDir, 'storage', 'local', 'images', String(VMID), file);

/** `qemu-io` on an image no QEMU has open: writes a byte pattern, or checks it (false on a mismatch). */
async function qemuIo(file: string, op: 'write' | 'read', pattern: number): Promise<boolean> {
  try {
    await exec('qemu-io', ['-f', 'qcow2', '-c', `${op} -P 0x${pattern.toString(16)} 0 64k`, imagePath(file)]);
    return true;
  } catch (e) {
    if (e instanceof ExecError && op === 'read' && /Pattern verification failed/.test(e.stdout + e.stderr))
      return false;
    throw e;
  }
}

/** The guest as the console shows it, once the console caught up with its node. */
async function shown() {
  await syncNode(hx.db, NODE);
  return admin().vm.get({ vmid: VMID });
}

const imageVolids = async () =>
  (await admin().node.volumes({ node: NODE, storage: 'local', content: 'images' })).map((v) => v.volid);

type Block = { device: string; inserted?: { file: string; drv: string; image: { 'virtual-size': number } } };

/** QEMU's own view of the guest's drives (QMP `query-block`), by drive id (`drive-<slot>`). */
async function drives(): Promise<Map<string, Block>> {
  const driver = agent.driver;
  if (!(driver instanceof QemuDriver)) throw new Error('the agent does not run the QEMU driver');
  const blocks = (await driver.withQmp(VMID, (q) => q.execute('query-block'))) as Block[];
  return new Map(blocks.map((b) => [b.device, b]));
}

beforeAll(async () => {
  hx = await openQemuConsole('hx-disks');
  agent = await hx.addNode(NODE);
  await ok(
    admin().vm.create({
      node: NODE,
      vmid: VMID,
      name: 'disks',
      memoryMiB: 64,
      nics: [],
      disks: [{ slot: 'scsi0', sizeMiB: 16, format: 'qcow2' }],
    }),
  );
}, 900_000);

afterAll(() => hx?.close());

describe('adding and detaching disks of an existing VM', () => {
  const added = `local:${VMID}/vm-${VMID}-disk-1.qcow2`;
  const pendingVolume = `local:${VMID}/vm-${VMID}-disk-2.qcow2`;

  it('adds a disk to a stopped VM at once; started, QEMU has the drive with its file and virtual size', async () => {
    const log = logText(
      await ok(admin().vm.addDisk({ vmid: VMID, slot: 'virtio1', storage: 'local', sizeMiB: 24, format: 'qcow2' })),
    );
    expect(log).toContain(`created ${added} (24 MiB, qcow2)`);
    const g = await shown();
    expect(g.config.disks).toEqual([
      { slot: 'scsi0', volume: `local:${VMID}/vm-${VMID}-disk-0.qcow2`, format: 'qcow2' },
      { slot: 'virtio1', volume: added, format: 'qcow2' },
    ]);
    expect(g.pending).toBeNull();
    expect(await qemuIo(`vm-${VMID}-disk-1.qcow2`, 'write', 0x5a)).toBe(true);

    await ok(admin().vm.action({ vmid: VMID, action: 'start' }));
    const drive = (await drives()).get('drive-virtio1');
    expect(drive?.inserted).toMatchObject({ file: imagePath(`vm-${VMID}-disk-1.qcow2`), drv: 'qcow2' });
    expect(drive?.inserted?.image['virtual-size']).toBe(24 * MiB);
  });

  it('on a running VM: the volume is created at once, the disk pending until the next start', async () => {
    const log = logText(
      await ok(admin().vm.addDisk({ vmid: VMID, slot: 'scsi2', storage: 'local', sizeMiB: 8, format: 'qcow2' })),
    );
    expect(log).toContain('attached at its next start (pending)');
    const g = await shown();
    expect(g.config.disks.map((d) => d.slot)).toEqual(['scsi0', 'virtio1']);
    expect(g.pending).toMatchObject({ disks: [{ slot: 'scsi0' }, { slot: 'virtio1' }, { slot: 'scsi2' }] });
    expect(await imageVolids()).toContain(pendingVolume);
    expect((await drives()).has('drive-scsi2')).toBe(false);

    // Detaching needs a stopped VM.
    const e = await refusal(admin().vm.detachDisk({ vmid: VMID, slot: 'virtio1' }));
    expect(e.code).toBe('CONFLICT');
    expect(e.message).toContain(`guest ${VMID} is running; stop it first to detach virtio1`);

    await ok(admin().vm.action({ vmid: VMID, action: 'stop' }));
    await ok(admin().vm.action({ vmid: VMID, action: 'start' }));
    expect((await drives()).get('drive-scsi2')?.inserted?.image['virtual-size']).toBe(8 * MiB);
    expect((await shown()).config.disks.map((d) => d.slot)).toEqual(['scsi0', 'virtio1', 'scsi2']);
    await ok(admin().vm.action({ vmid: VMID, action: 'stop' }));
  });

  it('detaches a disk: gone from the config and the boot order, its volume and bytes kept; attached again', async () => {
    await ok(admin().vm.update({ vmid: VMID, changes: { boot: ['virtio1', 'scsi0'] } }));
    const log = logText(await ok(admin().vm.detachDisk({ vmid: VMID, slot: 'virtio1' })));
    expect(log).toContain('removed virtio1 from the boot order: scsi0');
    expect(log).toContain(`its volume ${added} is kept on storage local`);
    const g = await shown();
    expect(g.config.disks.map((d) => d.slot)).toEqual(['scsi0', 'scsi2']);
    expect(g.config.boot).toEqual(['scsi0']);
    const volume = (await admin().node.volumes({ node: NODE, storage: 'local', content: 'images' })).find(
      (v) => v.volid === added,
    );
    expect(volume?.sizeBytes).toBe(24 * MiB);
    expect(await qemuIo(`vm-${VMID}-disk-1.qcow2`, 'read', 0x5a)).toBe(true);

    await ok(admin().vm.attachVolume({ vmid: VMID, slot: 'sata0', volume: added }));
    expect((await shown()).config.disks).toContainEqual({ slot: 'sata0', volume: added, format: 'qcow2' });
    const again = await refusal(admin().vm.attachVolume({ vmid: VMID, slot: 'sata1', volume: added }));
    expect(again.code).toBe('CONFLICT');
    expect(again.message).toContain(`is attached to guest ${VMID} already`);
  });

  it('a refused or failed add (slot taken, larger than the free space, unknown storage, a failed write) leaves no new volume', async () => {
    const before = await imageVolids();
    const taken = await refusal(admin().vm.addDisk({ vmid: VMID, slot: 'scsi0', storage: 'local', sizeMiB: 8 }));
    expect(taken.code).toBe('BAD_REQUEST');
    expect(fieldOf(taken)).toBe('slot');
    expect(taken.message).toContain('scsi0 holds');

    const huge = await refusal(
      admin().vm.addDisk({ vmid: VMID, slot: 'scsi3', storage: 'local', sizeMiB: 64 * 1024 * 1024 }),
    );
    expect(huge.code).toBe('BAD_REQUEST');
    expect(fieldOf(huge)).toBe('sizeMiB');
    expect(huge.message).toMatch(/does not fit in storage local \(\d+ MiB free\)/);

    const nowhere = await refusal(admin().vm.addDisk({ vmid: VMID, slot: 'scsi3', storage: 'nowhere', sizeMiB: 8 }));
    expect(fieldOf(nowhere)).toBe('storage');

    expect(await imageVolids()).toEqual(before);

    // A failure after the volume was created (the guest's record cannot be written) removes the volume again.
    const tmp = path.join(agent.dataDir, 'guests', `${VMID}.json.tmp`);
    await mkdir(tmp);
    try {
      const { upid } = await admin().vm.addDisk({ vmid: VMID, slot: 'scsi3', storage: 'local', sizeMiB: 8 });
      const log = await taskDone(hx.db, upid);
      expect(log.status).toMatch(/EISDIR/);
      expect(logText(log)).toContain(`removed local:${VMID}/vm-${VMID}-disk-3.qcow2`);
    } finally {
      await rmdir(tmp);
    }
    expect(await imageVolids()).toEqual(before);
    expect((await shown()).config.disks.map((d) => d.slot)).toEqual(['scsi0', 'scsi2', 'sata0']);

    const events = await hx.db.auditEvent.findMany({ where: { action: 'vm.disk.add' }, orderBy: { id: 'asc' } });
    expect(events.map((e) => e.result)).toEqual([
      'ok',
      'ok',
      'ok',
      expect.stringContaining('attached to guest'),
      expect.stringContaining('scsi0 holds'),
      expect.stringContaining('does not fit'),
      expect.stringContaining('nowhere'),
      'ok',
    ]);
  });
});
