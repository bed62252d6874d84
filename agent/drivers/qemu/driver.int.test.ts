import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DriverError } from '../errors';
import type { GuestConfig } from '../types';
import { QemuDriver } from './driver';
import { isAlive, readPidFile } from './proc';
import { QmpClient } from './qmp';
import { buildTestImage, SerialReader, tempRunDir, type TestImage } from './test-helpers';
import { createImage } from '../../storage/qemu-img';

const READY = /HORCRUX-TEST-GUEST READY/;
const BOOT_BUDGET_MS = 90_000;

let image: TestImage;
beforeAll(async () => {
  image = await buildTestImage();
}, 900_000);

function baseConfig(vmid: number, name: string): GuestConfig {
  return {
    vmid,
    name,
    cores: 1,
    sockets: 1,
    memoryMiB: 160,
    machine: 'q35',
    bios: 'seabios',
    disks: [],
    cdrom: null,
    boot: [],
    nics: [],
    serial: true,
    vga: 'std',
  };
}

async function rejection(p: Promise<unknown>): Promise<DriverError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof DriverError) return e;
    throw e;
  }
  throw new Error('expected a DriverError, but the call succeeded');
}

describe('a guest booted from the test ISO (TCG)', () => {
  let run: Awaited<ReturnType<typeof tempRunDir>>;
  let driver: QemuDriver;
  let serial: SerialReader;
  let config: GuestConfig;
  let bootMs = 0;

  beforeAll(async () => {
    run = await tempRunDir('iso');
    driver = new QemuDriver({ runDir: run.dir, accel: 'tcg' });
    const disk = path.join(run.dir, 'vm-100-disk-0.qcow2');
    await createImage(disk, 'qcow2', 64 * 1024 * 1024);
    config = {
      ...baseConfig(100, 'iso-guest'),
      disks: [{ slot: 'scsi0', path: disk, format: 'qcow2' }],
      cdrom: { path: image.iso },
      boot: ['ide2', 'scsi0'],
      nics: [{ model: 'virtio', mac: 'bc:24:11:00:01:00' }],
    };
    const t0 = Date.now();
    await driver.start(config);
    serial = await SerialReader.connect(driver.paths(100).serial);
    await serial.waitFor(READY, BOOT_BUDGET_MS);
    bootMs = Date.now() - t0;
    console.log(`[figures] ISO guest: start() to READY on serial: ${(bootMs / 1000).toFixed(2)} s (TCG, 160 MiB)`);
  }, 180_000);

  afterAll(async () => {
    serial?.close();
    await run?.cleanup();
  });

  it('runs: QMP says running, the pid file names a live QEMU', async () => {
    const st = await driver.status(100);
    expect(st.state).toBe('running');
    expect(st.qmpStatus).toBe('running');
    expect(st.reason).toBeNull();
    expect(st.pid).toBe(await readPidFile(driver.paths(100).pid));
    expect(await isAlive(st.pid ?? -1)).toBe(true);
    expect(st.uptimeSeconds).toBeGreaterThanOrEqual(1);
  });

  it('has the disk and the CD-ROM attached, as QEMU itself reports', async () => {
    const blocks = (await driver.withQmp(100, (q) => q.execute('query-block'))) as {
      device: string;
      qdev: string;
      inserted?: { file: string; drv: string };
    }[];
    const byQdev = new Map(blocks.map((b) => [b.qdev.split('/').find((p) => /^(scsi0|ide2)$/.test(p)) ?? b.qdev, b]));
    expect(byQdev.get('scsi0')?.inserted).toMatchObject({ file: config.disks[0]?.path, drv: 'qcow2' });
    expect(byQdev.get('ide2')?.inserted).toMatchObject({ file: image.iso, drv: 'raw' });
  });

  it('printed READY and keeps printing heartbeats on the serial socket', async () => {
    expect(serial.text).toMatch(READY);
    const before = serial.lastHeartbeat();
    await serial.waitFor(new RegExp(`HEARTBEAT ${before + 1}\\b`), 30_000);
  });

  it('refuses a second start', async () => {
    const e = await rejection(driver.start(config));
    expect(e.code).toBe('ALREADY_RUNNING');
  });

  it('pauses and resumes: QMP says paused, the guest stops printing, then runs again', async () => {
    await driver.pause(100);
    const paused = await driver.status(100);
    expect(paused.state).toBe('paused');
    expect(paused.qmpStatus).toBe('paused');
    const frozenAt = serial.lastHeartbeat();
    await new Promise((r) => setTimeout(r, 2_500));
    expect(serial.lastHeartbeat()).toBe(frozenAt);

    // A paused guest cannot see the power button: shutdown refuses unless forced.
    expect((await rejection(driver.shutdown(100, { timeoutMs: 1_000, forceStop: false }))).code).toBe('PAUSED');

    await driver.resume(100);
    const resumed = await driver.status(100);
    expect(resumed.state).toBe('running');
    expect(resumed.qmpStatus).toBe('running');
    await serial.waitFor(new RegExp(`HEARTBEAT ${frozenAt + 1}\\b`), 30_000);
  });

  it('is found again by a new driver instance on the same run directory (agent restart)', async () => {
    const pid = await readPidFile(driver.paths(100).pid);
    const restarted = new QemuDriver({ runDir: run.dir, accel: 'tcg' });
    const found = await restarted.recover();
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ vmid: 100, state: 'running', qmpStatus: 'running', pid, reason: null });
    expect((await restarted.status(100)).state).toBe('running');
  });

  it('reports a guest whose QMP is held by another client as live but unread, not as stopped', async () => {
    const pid = await readPidFile(driver.paths(100).pid);
    const impatient = new QemuDriver({ runDir: run.dir, accel: 'tcg', qmpTimeoutMs: 500 });
    const holder = await QmpClient.connect(driver.paths(100).qmp);
    try {
      const e = await rejection(impatient.status(100));
      expect(e.code).toBe('CONTROL_FAILED');
      expect(e.message).toMatch(new RegExp(`QEMU \\(pid ${pid}\\) is alive but .*no QMP greeting`));
      const found = await impatient.recover();
      expect(found).toEqual([expect.objectContaining({ vmid: 100, state: 'running', qmpStatus: null, pid })]);
      expect(found[0]?.reason).toMatch(/no QMP greeting/);
      expect((await rejection(impatient.start(config))).code).toBe('ALREADY_RUNNING');
    } finally {
      await holder.close();
    }
    expect((await impatient.status(100)).qmpStatus).toBe('running');
  });

  it('resets: the same QEMU process boots the guest again', async () => {
    const before = await driver.status(100);
    const readyCount = () => serial.text.match(new RegExp(READY, 'g'))?.length ?? 0;
    expect(readyCount()).toBe(1);
    await driver.reset(100);
    await serial.waitFor(/READY[\s\S]*READY/, BOOT_BUDGET_MS);
    const after = await driver.status(100);
    expect(after).toMatchObject({ state: 'running', pid: before.pid });
  }, 120_000);

  it('powers off on an ACPI shutdown: QEMU exits, QMP is gone, status is stopped', async () => {
    const pid = (await driver.status(100)).pid ?? -1;
    const t0 = Date.now();
    const st = await driver.shutdown(100, { timeoutMs: 60_000, forceStop: false });
    const ms = Date.now() - t0;
    console.log(`[figures] ISO guest: ACPI shutdown to QEMU exit: ${(ms / 1000).toFixed(2)} s`);
    expect(st).toMatchObject({ state: 'stopped', pid: null, qmpStatus: null, reason: null });
    await serial.waitFor(/POWER BUTTON, powering off/, 30_000);
    expect(await isAlive(pid)).toBe(false);
    expect(existsSync(driver.paths(100).qmp)).toBe(false);
    await expect(QmpClient.connect(driver.paths(100).qmp, { timeoutMs: 1_000 })).rejects.toThrow();
    expect(await driver.status(100)).toMatchObject({ state: 'stopped', reason: null });
    expect(await new QemuDriver({ runDir: run.dir, accel: 'tcg' }).recover()).toEqual([]);
  });
});

describe('a guest that ignores the power button (direct kernel boot, horcrux.noacpi)', () => {
  let run: Awaited<ReturnType<typeof tempRunDir>>;
  let driver: QemuDriver;
  let serial: SerialReader;

  beforeAll(async () => {
    run = await tempRunDir('noacpi');
    driver = new QemuDriver({ runDir: run.dir, accel: 'tcg' });
    const t0 = Date.now();
    await driver.start({
      ...baseConfig(101, 'noacpi'),
      kernel: { path: image.kernel, initrd: image.initrd, cmdline: 'console=ttyS0 horcrux.noacpi' },
    });
    serial = await SerialReader.connect(driver.paths(101).serial);
    await serial.waitFor(READY, BOOT_BUDGET_MS);
    console.log(`[figures] direct-kernel guest: start() to READY: ${((Date.now() - t0) / 1000).toFixed(2)} s`);
  }, 180_000);

  afterAll(async () => {
    serial?.close();
    await run?.cleanup();
  });

  it('times out on shutdown without force, and is still running', async () => {
    expect(serial.text).toMatch(/ignoring the power button/);
    const e = await rejection(driver.shutdown(101, { timeoutMs: 3_000, forceStop: false }));
    expect(e.code).toBe('TIMEOUT');
    expect(e.message).toMatch(/did not power off within 3 s/);
    const st = await driver.status(101);
    expect(st.state).toBe('running');
    const before = serial.lastHeartbeat();
    await serial.waitFor(new RegExp(`HEARTBEAT ${before + 1}\\b`), 30_000);
  });

  it('is stopped hard after the timeout with forceStop', async () => {
    const pid = (await driver.status(101)).pid ?? -1;
    const st = await driver.shutdown(101, { timeoutMs: 3_000, forceStop: true });
    expect(st).toMatchObject({ state: 'stopped', reason: null });
    expect(await isAlive(pid)).toBe(false);
    expect(existsSync(driver.paths(101).pid)).toBe(false);
    expect(serial.text).not.toMatch(/POWER BUTTON/);
  });
});

describe('QEMU dying, failing to start, rebooting', () => {
  let run: Awaited<ReturnType<typeof tempRunDir>>;
  let driver: QemuDriver;

  beforeAll(async () => {
    run = await tempRunDir('lifecycle');
    driver = new QemuDriver({ runDir: run.dir, accel: 'tcg' });
  });

  afterAll(async () => {
    await run?.cleanup();
  });

  it('reports a QEMU killed with SIGKILL as stopped, with a reason, and starts it again', async () => {
    const config = { ...baseConfig(102, 'doomed'), kernel: { path: image.kernel, initrd: image.initrd } };
    const { pid } = await driver.start(config);
    expect(pid).not.toBeNull();
    process.kill(pid ?? -1, 'SIGKILL');
    await expect.poll(() => isAlive(pid ?? -1)).toBe(false);

    const st = await driver.status(102);
    expect(st).toMatchObject({ state: 'stopped', pid: null, qmpStatus: null });
    expect(st.reason).toMatch(new RegExp(`QEMU \\(pid ${pid}\\) exited without a clean stop`));
    expect(await driver.recover()).toEqual([st]);

    const again = await driver.start(config);
    expect(again.state).toBe('running');
    expect(again.pid).not.toBe(pid);
    expect((await driver.stop(102)).state).toBe('stopped');
    expect(await isAlive(again.pid ?? -1)).toBe(false);
  });

  it('refuses pause, resume, reset and reboot of a stopped guest', async () => {
    const config = baseConfig(106, 'idle');
    // One at a time: a promise made before the previous one is awaited could
    // reject with no handler yet attached.
    for (const op of [
      () => driver.pause(106),
      () => driver.resume(106),
      () => driver.reset(106),
      () => driver.reboot(config, { timeoutMs: 1_000 }),
    ]) {
      expect((await rejection(op())).code).toBe('NOT_RUNNING');
    }
    expect(await driver.shutdown(106, { timeoutMs: 1_000, forceStop: false })).toMatchObject({ state: 'stopped' });
  });

  it("returns QEMU's own message when it cannot start", async () => {
    const missing = path.join(run.dir, 'vm-103-disk-0.qcow2');
    const e = await rejection(
      driver.start({ ...baseConfig(103, 'broken'), disks: [{ slot: 'virtio0', path: missing, format: 'qcow2' }] }),
    );
    expect(e.code).toBe('START_FAILED');
    expect(e.message).toContain(`Could not open '${missing}': No such file or directory`);
    expect((await driver.status(103)).state).toBe('stopped');
  });

  it('reboots as shutdown + start: a new QEMU process that boots again', async () => {
    const config = {
      ...baseConfig(104, 'rebooter'),
      kernel: { path: image.kernel, initrd: image.initrd, cmdline: 'console=ttyS0' },
    };
    const first = await driver.start(config);
    const serial1 = await SerialReader.connect(driver.paths(104).serial);
    await serial1.waitFor(READY, BOOT_BUDGET_MS);
    const st = await driver.reboot(config, { timeoutMs: 30_000 });
    await serial1.waitFor(/POWER BUTTON, powering off/, 30_000);
    serial1.close();
    expect(st.state).toBe('running');
    expect(st.pid).not.toBe(first.pid);
    expect(await isAlive(first.pid ?? -1)).toBe(false);
    const serial2 = await SerialReader.connect(driver.paths(104).serial);
    await serial2.waitFor(READY, BOOT_BUDGET_MS);
    serial2.close();
    await driver.stop(104);
  }, 240_000);

  it('starts with OVMF firmware, with a per-guest copy of its variable store', async () => {
    const st = await driver.start({ ...baseConfig(105, 'uefi'), bios: 'ovmf', serial: false });
    expect(st.state).toBe('running');
    expect(existsSync(driver.paths(105).efivars)).toBe(true);
    const blocks = (await driver.withQmp(105, (q) => q.execute('query-block'))) as {
      inserted?: { file: string; ro: boolean };
    }[];
    const files = blocks.map((b) => b.inserted?.file);
    expect(files).toContain(driver.paths(105).efivars);
    expect(files.some((f) => f?.includes('OVMF_CODE'))).toBe(true);
    await expect(driver.forget(105)).rejects.toMatchObject({ code: 'ALREADY_RUNNING' });
    await driver.stop(105);
    // Deleting the guest removes its variable store: a new guest 105 starts with clean UEFI variables.
    await driver.forget(105);
    expect(existsSync(driver.paths(105).efivars)).toBe(false);
    expect(existsSync(driver.paths(105).log)).toBe(false);
  });
});
