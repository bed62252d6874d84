import { describe, expect, it, vi } from 'vitest';
import { SimDriver } from '../drivers/sim/driver';
import type { GuestConfig } from '../drivers/types';
import { KEEP_SECONDS, MetricsSampler } from './sampler';

const config = (vmid: number): GuestConfig => ({
  vmid,
  name: `g${vmid}`,
  cores: 2,
  sockets: 1,
  memoryMiB: 1024,
  machine: 'q35',
  bios: 'seabios',
  disks: [],
  cdrom: null,
  boot: [],
  nics: [],
  serial: false,
  vga: 'std',
});

describe('metrics sampler (simulated node and guests)', () => {
  it('turns counters into rates, gives no rate without a previous reading, and keeps 30 minutes', async () => {
    let now = Date.UTC(2030, 0, 1);
    const driver = new SimDriver();
    await driver.start(config(100));
    const sampler = new MetricsSampler({
      driver,
      node: 'sim',
      guests: async () => [
        { vmid: 100, maxcpu: 2, maxmem: 1024 ** 3 },
        { vmid: 101, maxcpu: 1, maxmem: 1024 ** 2 },
      ],
      storages: async () => [{ id: 'local', usedBytes: 5, totalBytes: 10 }],
      now: () => now,
    });
    await sampler.sampleOnce();
    now += 10_000;
    await sampler.sampleOnce();
    const [first, second] = sampler.samples();
    const g1 = first!.guests.find((g) => g.vmid === 100)!;
    expect(g1.status).toBe('running');
    // The simulated guest started at real time, the clock here is synthetic: what matters is
    // that the first reading has no rate and the second has one.
    expect(g1.cpu).toBeNull();
    const g2 = second!.guests.find((g) => g.vmid === 100)!;
    expect(g2.maxcpu).toBe(2);
    expect(g2.mem).toBeGreaterThan(0);
    const stopped = second!.guests.find((g) => g.vmid === 101)!;
    expect(stopped).toMatchObject({ status: 'stopped', cpu: 0, mem: 0, diskRead: null });
    expect(second!.storages).toEqual([{ storage: 'local', used: 5, total: 10 }]);
    expect(second!.node.maxcpu).toBe(16);
    expect(sampler.samples(first!.t).map((s) => s.t)).toEqual([second!.t]);

    for (let i = 0; i < 200; i++) {
      now += 10_000;
      await sampler.sampleOnce();
    }
    const kept = sampler.samples();
    expect(kept.length).toBe(KEEP_SECONDS / 10);
    expect(kept.at(-1)!.t - kept[0]!.t).toBe(KEEP_SECONDS - 10);
  });

  it('samples at the 10 s marks plus its offset, and a stopped sampler takes no more', async () => {
    vi.useFakeTimers({ now: 12_000 });
    try {
      const sampler = new MetricsSampler({
        driver: new SimDriver(),
        node: 'sim',
        guests: () => Promise.resolve([]),
        storages: () => Promise.resolve([]),
      });
      sampler.start(3_000);
      await vi.advanceTimersByTimeAsync(25_000);
      expect(sampler.samples().map((s) => s.t)).toEqual([12, 13, 23, 33]);
      sampler.stop();
      await vi.advanceTimersByTimeAsync(30_000);
      expect(sampler.samples()).toHaveLength(4);
    } finally {
      vi.useRealTimers();
    }
  });
});
