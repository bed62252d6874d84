import { describe, expect, it } from 'vitest';
import type { GuestConfig } from '../types';
import { buildQemuArgv, guestPaths, qemuOptValue } from './argv';

const base: GuestConfig = {
  vmid: 100,
  name: 'web01',
  cores: 2,
  sockets: 1,
  memoryMiB: 512,
  machine: 'q35',
  bios: 'seabios',
  disks: [],
  cdrom: null,
  boot: [],
  nics: [],
  serial: false,
  vga: 'std',
};
const opts = { runDir: '/run/horcrux/qemu', accel: 'tcg', firmware: null } as const;

/** The value following each occurrence of a flag. */
function values(argv: string[], flag: string): string[] {
  return argv.flatMap((a, i) => (a === flag ? [argv[i + 1] ?? ''] : []));
}

describe('buildQemuArgv', () => {
  it('builds the fixed part: accelerator, machine, cpus, memory, control sockets, daemon', () => {
    const argv = buildQemuArgv(base, opts);
    expect(values(argv, '-name')).toEqual(['web01,debug-threads=on']);
    expect(values(argv, '-accel')).toEqual(['tcg']);
    expect(values(argv, '-machine')).toEqual(['q35']);
    expect(values(argv, '-smp')).toEqual(['2,sockets=1,cores=2,threads=1']);
    expect(values(argv, '-m')).toEqual(['512']);
    expect(values(argv, '-qmp')).toEqual(['unix:/run/horcrux/qemu/100.qmp,server=on,wait=off']);
    expect(values(argv, '-vnc')).toEqual(['unix:/run/horcrux/qemu/100.vnc,share=force-shared']);
    expect(values(argv, '-pidfile')).toEqual(['/run/horcrux/qemu/100.pid']);
    expect(values(argv, '-D')).toEqual(['/run/horcrux/qemu/100.log']);
    expect(values(argv, '-vga')).toEqual(['std']);
    expect(argv).toContain('-daemonize');
    expect(argv).toContain('-nodefaults');
    expect(argv).not.toContain('-serial');
    expect(argv).not.toContain('-boot');
    expect(argv).not.toContain('-kernel');
  });

  it('uses kvm and i440fx (pc) when asked, and multiplies sockets by cores', () => {
    const argv = buildQemuArgv({ ...base, machine: 'i440fx', sockets: 2, cores: 4 }, { ...opts, accel: 'kvm' });
    expect(values(argv, '-accel')).toEqual(['kvm']);
    expect(values(argv, '-machine')).toEqual(['pc']);
    expect(values(argv, '-smp')).toEqual(['8,sockets=2,cores=4,threads=1']);
  });

  it('puts the serial port on a unix socket', () => {
    const argv = buildQemuArgv({ ...base, serial: true }, opts);
    expect(values(argv, '-chardev')).toEqual([
      'socket,id=serial0,path=/run/horcrux/qemu/100.serial,server=on,wait=off',
    ]);
    expect(values(argv, '-serial')).toEqual(['chardev:serial0']);
  });

  it('attaches disks with if=none and a device per bus, controllers once, boot order as bootindex', () => {
    const argv = buildQemuArgv(
      {
        ...base,
        disks: [
          { slot: 'scsi0', path: '/var/lib/vz/images/100/vm-100-disk-0.qcow2', format: 'qcow2' },
          { slot: 'scsi1', path: '/var/lib/vz/images/100/vm-100-disk-1.raw', format: 'raw' },
          { slot: 'virtio0', path: '/d/v.qcow2', format: 'qcow2' },
          { slot: 'sata3', path: '/d/s.raw', format: 'raw' },
          { slot: 'ide1', path: '/d/i.raw', format: 'raw' },
        ],
        cdrom: { path: '/iso/test.iso' },
        boot: ['ide2', 'scsi0'],
      },
      opts,
    );
    expect(values(argv, '-drive')).toEqual([
      'file=/var/lib/vz/images/100/vm-100-disk-0.qcow2,if=none,id=drive-scsi0,format=qcow2',
      'file=/var/lib/vz/images/100/vm-100-disk-1.raw,if=none,id=drive-scsi1,format=raw',
      'file=/d/v.qcow2,if=none,id=drive-virtio0,format=qcow2',
      'file=/d/s.raw,if=none,id=drive-sata3,format=raw',
      'file=/d/i.raw,if=none,id=drive-ide1,format=raw',
      'file=/iso/test.iso,if=none,id=drive-ide2,media=cdrom,format=raw,readonly=on',
    ]);
    expect(values(argv, '-device')).toEqual([
      'virtio-scsi-pci,id=scsihw0',
      'ahci,id=ahci0',
      'scsi-hd,bus=scsihw0.0,channel=0,scsi-id=0,lun=0,drive=drive-scsi0,id=scsi0,bootindex=101',
      'scsi-hd,bus=scsihw0.0,channel=0,scsi-id=0,lun=1,drive=drive-scsi1,id=scsi1',
      'virtio-blk-pci,drive=drive-virtio0,id=virtio0',
      'ide-hd,bus=ahci0.3,drive=drive-sata3,id=sata3',
      // q35: one unit per bus, odd IDE indices two buses up
      'ide-hd,bus=ide.2,unit=0,drive=drive-ide1,id=ide1',
      'ide-cd,bus=ide.1,unit=0,drive=drive-ide2,id=ide2,bootindex=100',
    ]);
    expect(values(argv, '-boot')).toEqual(['menu=off,strict=on,reboot-timeout=1000']);
  });

  it('maps IDE slots onto PIIX buses and units on i440fx', () => {
    const argv = buildQemuArgv(
      {
        ...base,
        machine: 'i440fx',
        disks: [
          { slot: 'ide0', path: '/d/0.raw', format: 'raw' },
          { slot: 'ide1', path: '/d/1.raw', format: 'raw' },
          { slot: 'ide3', path: '/d/3.raw', format: 'raw' },
        ],
        cdrom: { path: '/iso/x.iso' },
      },
      opts,
    );
    expect(values(argv, '-device')).toEqual([
      'ide-hd,bus=ide.0,unit=0,drive=drive-ide0,id=ide0',
      'ide-hd,bus=ide.0,unit=1,drive=drive-ide1,id=ide1',
      'ide-hd,bus=ide.1,unit=1,drive=drive-ide3,id=ide3',
      'ide-cd,bus=ide.1,unit=0,drive=drive-ide2,id=ide2',
    ]);
  });

  it('adds user-mode NICs with their MAC and model', () => {
    const argv = buildQemuArgv(
      {
        ...base,
        nics: [
          { model: 'virtio', mac: 'BC:24:11:00:00:01' },
          { model: 'e1000', mac: 'bc:24:11:00:00:02' },
        ],
        boot: ['net1'],
      },
      opts,
    );
    expect(values(argv, '-netdev')).toEqual(['user,id=net0', 'user,id=net1']);
    expect(values(argv, '-device')).toEqual([
      'virtio-net-pci,netdev=net0,mac=bc:24:11:00:00:01,id=net0',
      'e1000,netdev=net1,mac=bc:24:11:00:00:02,id=net1,bootindex=100',
    ]);
  });

  it('adds OVMF pflash drives only with firmware files', () => {
    const argv = buildQemuArgv(
      { ...base, bios: 'ovmf' },
      { ...opts, firmware: { code: '/usr/share/OVMF/OVMF_CODE_4M.fd', vars: '/run/x/100.efivars.fd' } },
    );
    expect(values(argv, '-drive')).toEqual([
      'if=pflash,unit=0,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd',
      'if=pflash,unit=1,format=raw,file=/run/x/100.efivars.fd',
    ]);
    expect(() => buildQemuArgv({ ...base, bios: 'ovmf' }, opts)).toThrow(/firmware/);
    expect(values(buildQemuArgv(base, opts), '-drive')).toEqual([]);
  });

  it('boots a kernel directly, the command line as one argument', () => {
    const argv = buildQemuArgv(
      { ...base, kernel: { path: '/k/vmlinuz', initrd: '/k/initrd.gz', cmdline: 'console=ttyS0 horcrux.noacpi' } },
      opts,
    );
    expect(values(argv, '-kernel')).toEqual(['/k/vmlinuz']);
    expect(values(argv, '-initrd')).toEqual(['/k/initrd.gz']);
    expect(values(argv, '-append')).toEqual(['console=ttyS0 horcrux.noacpi']);
  });

  it('doubles commas so a path cannot add QEMU options', () => {
    expect(qemuOptValue('/a,b,,c')).toBe('/a,,b,,,,c');
    const argv = buildQemuArgv(
      { ...base, disks: [{ slot: 'virtio0', path: '/d/x.raw,readonly=off', format: 'raw' }] },
      { ...opts, runDir: '/run/a,b' },
    );
    expect(values(argv, '-drive')).toEqual(['file=/d/x.raw,,readonly=off,if=none,id=drive-virtio0,format=raw']);
    expect(values(argv, '-qmp')).toEqual(['unix:/run/a,,b/100.qmp,server=on,wait=off']);
  });

  it('names the guest files after the vmid', () => {
    expect(guestPaths('/r', 123)).toEqual({
      qmp: '/r/123.qmp',
      vnc: '/r/123.vnc',
      serial: '/r/123.serial',
      pid: '/r/123.pid',
      log: '/r/123.log',
      efivars: '/r/123.efivars.fd',
    });
  });
});
