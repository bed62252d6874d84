import { describe, expect, it } from 'vitest';
import { configSummary } from './config-summary';

const disk = (slot: 'scsi0' | 'virtio1', n: number) => ({
  slot,
  volume: `local:100/vm-100-disk-${n}.qcow2`,
  format: 'qcow2' as const,
});

describe('configSummary', () => {
  it('says memory, processors and disk slots in one line', () => {
    expect(configSummary({ memoryMiB: 512, sockets: 1, cores: 2, disks: [disk('scsi0', 0), disk('virtio1', 1)] })).toBe(
      '512 MiB, 2 core(s), disks scsi0, virtio1',
    );
    expect(configSummary({ memoryMiB: 64, sockets: 2, cores: 4, disks: [] })).toBe(
      '64 MiB, 2 sockets × 4 cores, no disks',
    );
  });
});
