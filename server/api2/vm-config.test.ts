import { describe, expect, it } from 'vitest';
import type { GuestConfig } from '@/agent/contract/guests';
import { ApiError } from './errors';
import {
  parseBoot,
  parseDisk,
  parseNet,
  proxmoxParamOf,
  toCreateInput,
  toProxmoxConfig,
  toConfigChange,
} from './vm-config';

const CONFIG: GuestConfig = {
  vmid: 100,
  name: 'web',
  cores: 2,
  sockets: 1,
  memoryMiB: 512,
  machine: 'q35',
  bios: 'seabios',
  disks: [{ slot: 'scsi0', volume: 'local:100/vm-100-disk-0.qcow2', format: 'qcow2' }],
  cdrom: { volume: 'local:iso/debian.iso' },
  boot: ['scsi0', 'ide2', 'net0'],
  nics: [{ model: 'virtio', mac: 'bc:24:11:aa:bb:cc' }],
  serial: true,
  vga: 'std',
  tags: ['a', 'b'],
  ostype: 'l26',
};

function paramErrors(f: () => unknown): Record<string, string> {
  try {
    f();
  } catch (e) {
    if (e instanceof ApiError && e.status === 400) return e.errors ?? {};
    throw e;
  }
  throw new Error('expected a parameter error');
}

describe('NICs', () => {
  it.each([
    ['virtio=BC:24:11:00:00:01,bridge=', null],
    ['virtio=BC:24:11:00:00:01', { model: 'virtio', mac: 'bc:24:11:00:00:01' }],
    ['virtio', { model: 'virtio' }],
    ['model=e1000,macaddr=02:00:00:00:00:01', { model: 'e1000', mac: '02:00:00:00:00:01' }],
    ['virtio,firewall=0', { model: 'virtio' }],
  ])('%s', (text, nic) => {
    if (nic) expect(parseNet(text)).toEqual(nic);
    else expect(() => parseNet(text)).toThrow(/bridge/);
  });

  it.each([
    ['virtio,bridge=vmbr0', /bridge 'vmbr0'/],
    ['vmxnet3', /not supported yet/],
    ['virtio=01:00:00:00:00:01', /unicast/],
    ['virtio=nope', /MAC/],
    ['bridge', /bridge/],
    ['firewall=1,virtio', /firewall/],
    ['mtu=1500', /not supported/],
  ])('refuses %s', (text, message) => {
    expect(() => parseNet(text)).toThrow(message);
  });
});

describe('disks', () => {
  it.each([
    ['local:32', { kind: 'new', storage: 'local', sizeMiB: 32 * 1024 }],
    ['local:0.5,format=raw', { kind: 'new', storage: 'local', sizeMiB: 512, format: 'raw' }],
    ['file=local:1,cache=writeback,discard=on', { kind: 'new', storage: 'local', sizeMiB: 1024 }],
    ['local:100/vm-100-disk-0.qcow2,size=32G', { kind: 'existing', volume: 'local:100/vm-100-disk-0.qcow2' }],
    ['local:iso/x.iso,media=cdrom', { kind: 'cdrom', volume: 'local:iso/x.iso' }],
    ['none,media=cdrom', { kind: 'cdrom', volume: null }],
  ])('%s', (text, spec) => {
    expect(parseDisk(text)).toEqual(spec);
  });

  it.each([
    ['local', /STORAGE:SIZE_GiB/],
    ['local:0', /more than 0/],
    ['local:32,format=vmdk', /vmdk/],
    ['local:32,iops=100', /iops/],
    ['local:iso/x.iso', /media=cdrom/],
    ['cdrom,media=cdrom', /physical/],
    ['../etc/passwd,media=cdrom', /ISO volume/],
    ['local:32,media=floppy', /media/],
  ])('refuses %s', (text, message) => {
    expect(() => parseDisk(text)).toThrow(message);
  });
});

describe('boot order', () => {
  it('takes order=', () => expect(parseBoot('order=scsi0;ide2;net0')).toEqual(['scsi0', 'ide2', 'net0']));
  it('refuses the legacy letters and unknown devices', () => {
    expect(() => parseBoot('cdn')).toThrow(/legacy/);
    expect(() => parseBoot('order=floppy0')).toThrow(/floppy0/);
  });
});

describe('create parameters', () => {
  it('map onto the create input', () => {
    expect(
      toCreateInput(
        {
          name: 'web',
          memory: '512',
          cores: 2,
          sockets: '1',
          scsi0: 'local:1',
          ide2: 'local:iso/debian.iso,media=cdrom',
          net0: 'virtio,firewall=0',
          net1: 'e1000=02:00:00:00:00:02',
          boot: 'order=scsi0;ide2',
          ostype: 'l26',
          machine: 'pc',
          vga: 'type=virtio',
          serial0: 'socket',
          tags: 'a;b',
          description: 'hello',
          agent: '0',
          onboot: 0,
          scsihw: 'virtio-scsi-pci',
        },
        100,
      ),
    ).toEqual({
      vmid: 100,
      name: 'web',
      cores: 2,
      sockets: 1,
      memoryMiB: 512,
      machine: 'i440fx',
      vga: 'virtio',
      boot: ['scsi0', 'ide2'],
      description: 'hello',
      tags: ['a', 'b'],
      ostype: 'l26',
      serial: true,
      disks: [{ slot: 'scsi0', storage: 'local', sizeMiB: 1024 }],
      cdrom: { volume: 'local:iso/debian.iso' },
      nics: [{ model: 'virtio' }, { model: 'e1000', mac: '02:00:00:00:00:02' }],
    });
  });

  it('names every bad parameter at once', () => {
    expect(
      Object.keys(
        paramErrors(() =>
          toCreateInput(
            {
              memory: 'x',
              net0: 'virtio,bridge=vmbr0',
              net2: 'virtio',
              scsi0: 'local',
              agent: 1,
              bogus: 1,
              cpu: 'host',
              ostype: 'dos',
            },
            100,
          ),
        ),
      ).sort(),
    ).toEqual(['agent', 'bogus', 'cpu', 'memory', 'net0', 'net2', 'ostype', 'scsi0']);
  });
});

/** The update part of a config change; null when there is none. */
const toUpdateInput = (params: Record<string, unknown>) => toConfigChange(params, CONFIG, 100)?.update ?? null;

describe('config changes', () => {
  it('restating the config changes nothing', () => {
    const same = toProxmoxConfig(CONFIG, new Map());
    const { digest: _d, ...params } = same;
    expect(toConfigChange(params, CONFIG, 100)).toBeNull();
  });

  it('changes what differs and keeps a restated NIC MAC', () => {
    expect(toUpdateInput({ memory: 1024, net0: 'e1000', description: 'x' })).toEqual({
      memoryMiB: 1024,
      nics: [{ model: 'e1000', mac: 'bc:24:11:aa:bb:cc' }],
      description: 'x',
    });
  });

  it('delete= removes options, the CD-ROM and the last NIC, and drops them from the boot order', () => {
    expect(toUpdateInput({ delete: 'tags,ostype,ide2,net0,serial0' })).toEqual({
      tags: null,
      ostype: null,
      cdrom: null,
      nics: [],
      serial: false,
      boot: ['scsi0'],
    });
  });

  it('STORAGE:SIZE in a free slot adds a disk; delete= detaches one, which leaves the boot order by itself', () => {
    expect(toConfigChange({ scsi1: 'local:4,format=raw' }, CONFIG, 100)).toEqual({
      detach: [],
      add: [{ slot: 'scsi1', storage: 'local', sizeMiB: 4096, format: 'raw' }],
      update: null,
    });
    expect(toConfigChange({ delete: 'scsi0' }, CONFIG, 100)).toEqual({ detach: ['scsi0'], add: [], update: null });
    // A boot order given with it is taken without the detached disk.
    expect(toConfigChange({ delete: 'scsi0', boot: 'order=scsi0;net0' }, CONFIG, 100)).toEqual({
      detach: ['scsi0'],
      add: [],
      update: { boot: ['net0'] },
    });
    expect(toConfigChange({ delete: 'scsi5' }, CONFIG, 100)).toBeNull();
  });

  it('re-attaches an unused volume of the VM; replacing a disk needs delete= in the same call', () => {
    expect(toConfigChange({ virtio0: 'local:100/vm-100-disk-3.qcow2' }, CONFIG, 100)?.add).toEqual([
      { slot: 'virtio0', volume: 'local:100/vm-100-disk-3.qcow2' },
    ]);
    expect(toConfigChange({ delete: 'scsi0', scsi0: 'local:2' }, CONFIG, 100)).toMatchObject({
      detach: ['scsi0'],
      add: [{ slot: 'scsi0', storage: 'local', sizeMiB: 2048 }],
    });
  });

  it('refuses replacing a disk, volumes of other VMs and gaps in NICs', () => {
    expect(paramErrors(() => toUpdateInput({ scsi0: 'local:1' })).scsi0).toMatch(/delete=scsi0/);
    expect(paramErrors(() => toUpdateInput({ scsi1: 'local:101/vm-101-disk-0.qcow2' })).scsi1).toMatch(/VM 100/);
    expect(paramErrors(() => toUpdateInput({ scsi1: 'local:x' }))).toHaveProperty('scsi1');
    expect(paramErrors(() => toUpdateInput({ net3: 'virtio' }))).toHaveProperty('net3');
  });
});

describe('GET config', () => {
  it('integers as numbers, property strings as strings', () => {
    expect(toProxmoxConfig(CONFIG, new Map([['local:100/vm-100-disk-0.qcow2', 32 * 1024 ** 3]]))).toEqual({
      name: 'web',
      cores: 2,
      sockets: 1,
      memory: 512,
      machine: 'q35',
      bios: 'seabios',
      vga: 'std',
      boot: 'order=scsi0;ide2;net0',
      scsihw: 'virtio-scsi-pci',
      scsi0: 'local:100/vm-100-disk-0.qcow2,size=32G',
      ide2: 'local:iso/debian.iso,media=cdrom',
      net0: 'virtio=BC:24:11:AA:BB:CC,firewall=0',
      serial0: 'socket',
      ostype: 'l26',
      tags: 'a;b',
      digest: expect.stringMatching(/^[0-9a-f]{40}$/) as unknown,
    });
  });

  it('service fields map back to Proxmox parameters', () => {
    expect(proxmoxParamOf('memoryMiB')).toBe('memory');
    expect(proxmoxParamOf('cdrom.volume')).toBe('ide2');
    expect(proxmoxParamOf('nics.1.mac')).toBe('net1');
    expect(proxmoxParamOf('disks.0.sizeMiB', { disks: [{ slot: 'virtio0' }] })).toBe('virtio0');
  });
});
