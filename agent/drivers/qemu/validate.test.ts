import { describe, expect, it } from 'vitest';
import { DriverError } from '../errors';
import type { GuestConfig } from '../types';
import { parseDiskSlot, validateGuestConfig } from './validate';

const ok: GuestConfig = {
  vmid: 100,
  name: 'web01',
  cores: 1,
  sockets: 1,
  memoryMiB: 160,
  machine: 'q35',
  bios: 'seabios',
  disks: [{ slot: 'scsi0', path: '/var/lib/vz/images/100/vm-100-disk-0.qcow2', format: 'qcow2' }],
  cdrom: { path: '/var/lib/vz/template/iso/test.iso' },
  boot: ['ide2', 'scsi0', 'net0'],
  nics: [{ model: 'virtio', mac: 'bc:24:11:aa:bb:cc' }],
  serial: true,
  vga: 'std',
};

function fieldOf(config: GuestConfig): string | undefined {
  try {
    validateGuestConfig(config);
  } catch (e) {
    if (e instanceof DriverError && e.code === 'INVALID_CONFIG') return e.field;
    throw e;
  }
  return undefined;
}

describe('validateGuestConfig', () => {
  it('accepts a good config', () => expect(fieldOf(ok)).toBeUndefined());

  it.each<[string, Partial<GuestConfig>]>([
    ['vmid', { vmid: 99 }],
    ['name', { name: 'bad name;rm' }],
    ['cores', { cores: 0 }],
    ['sockets', { sockets: 1.5 }],
    ['memoryMiB', { memoryMiB: 8 }],
    ['disks[0].slot', { disks: [{ slot: 'scsi31', path: '/x', format: 'raw' }] }],
    ['disks[0].slot', { disks: [{ slot: 'nvme0' as 'scsi0', path: '/x', format: 'raw' }] }],
    ['disks[0].path', { disks: [{ slot: 'scsi0', path: 'relative.raw', format: 'raw' }] }],
    ['disks[0].path', { disks: [{ slot: 'scsi0', path: '/a/../etc/shadow', format: 'raw' }] }],
    ['disks[0].path', { disks: [{ slot: 'scsi0', path: '/a\nb', format: 'raw' }] }],
    ['disks[0].format', { disks: [{ slot: 'scsi0', path: '/x', format: 'vmdk' as 'raw' }] }],
    [
      'disks[1].slot',
      {
        disks: [
          { slot: 'scsi0', path: '/x', format: 'raw' },
          { slot: 'scsi0', path: '/y', format: 'raw' },
        ],
      },
    ],
    ['cdrom', { disks: [{ slot: 'ide2', path: '/x', format: 'raw' }], boot: [] }],
    ['nics[0].mac', { nics: [{ model: 'virtio', mac: 'zz:24:11:aa:bb:cc' }] }],
    ['nics[0].mac', { nics: [{ model: 'virtio', mac: '01:00:5e:00:00:01' }] }],
    ['boot[2]', { nics: [] }],
    ['boot[1]', { boot: ['ide2', 'ide2'] }],
    ['kernel.cmdline', { kernel: { path: '/k', cmdline: 'a\nb' } }],
    ['vga', { vga: 'vmware' as 'std' }],
  ])('refuses a bad %s', (field, patch) => expect(fieldOf({ ...ok, ...patch })).toBe(field));
});

describe('parseDiskSlot', () => {
  it('knows the Proxmox slot ranges', () => {
    expect(parseDiskSlot('ide3')).toEqual({ bus: 'ide', index: 3 });
    expect(parseDiskSlot('ide4')).toBeNull();
    expect(parseDiskSlot('sata5')).toEqual({ bus: 'sata', index: 5 });
    expect(parseDiskSlot('scsi30')).toEqual({ bus: 'scsi', index: 30 });
    expect(parseDiskSlot('virtio15')).toEqual({ bus: 'virtio', index: 15 });
    expect(parseDiskSlot('virtio16')).toBeNull();
    expect(parseDiskSlot('scsi01')).toBeNull();
  });
});
