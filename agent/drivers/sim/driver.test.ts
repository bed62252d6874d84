import { describe, expect, it } from 'vitest';
import type { GuestConfig } from '../types';
import { SimDriver } from './driver';

const config = (vmid: number): GuestConfig => ({
  vmid,
  name: `sim-${vmid}`,
  cores: 1,
  sockets: 1,
  memoryMiB: 128,
  machine: 'q35',
  bios: 'seabios',
  disks: [],
  cdrom: null,
  boot: [],
  nics: [],
  serial: false,
  vga: 'std',
});

describe('SimDriver', () => {
  it('starts, pauses, resumes and stops at once with consistent statuses', async () => {
    const d = new SimDriver();
    const started = await d.start(config(100));
    expect(started).toMatchObject({ state: 'running', qmpStatus: 'running', reason: null });
    await expect(d.start(config(100))).rejects.toMatchObject({ code: 'ALREADY_RUNNING' });
    await d.pause(100);
    expect((await d.status(100)).state).toBe('paused');
    await expect(d.shutdown(100, { timeoutMs: 10, forceStop: false })).rejects.toMatchObject({ code: 'PAUSED' });
    await d.resume(100);
    expect((await d.status(100)).pid).toBe(started.pid);
    expect((await d.shutdown(100, { timeoutMs: 10, forceStop: false })).state).toBe('stopped');
    await expect(d.pause(100)).rejects.toMatchObject({ code: 'NOT_RUNNING' });
  });

  it('a guest without ACPI times out, or is stopped hard when forced', async () => {
    const d = new SimDriver({ acpi: false });
    await d.start(config(101));
    await expect(d.shutdown(101, { timeoutMs: 5, forceStop: false })).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect((await d.shutdown(101, { timeoutMs: 5, forceStop: true })).state).toBe('stopped');
  });

  it('guests outlive the driver: a new one on the same state recovers them; a crash leaves a reason', async () => {
    const d = new SimDriver();
    await d.start(config(102));
    await d.start(config(103));
    d.crash(103, 'out of memory');
    const again = new SimDriver({ state: d.state });
    expect((await again.recover()).map((s) => [s.vmid, s.state])).toEqual([[102, 'running']]);
    expect(await again.status(103)).toMatchObject({ state: 'stopped', reason: 'out of memory' });
    const rebooted = await again.reboot(config(102), { timeoutMs: 5 });
    expect(rebooted.state).toBe('running');
  });
});
