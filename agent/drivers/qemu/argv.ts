import path from 'node:path';
import type { GuestConfig } from '../types';
import { parseDiskSlot } from './validate';

/** The files of one guest under the agent's run directory. */
export type GuestPaths = {
  qmp: string;
  vnc: string;
  serial: string;
  pid: string;
  /** QEMU's stderr and its `-D` log; truncated at each start. */
  log: string;
  /** Per-guest copy of the OVMF variable store. */
  efivars: string;
};

export function guestPaths(runDir: string, vmid: number): GuestPaths {
  const base = path.join(runDir, String(vmid));
  return {
    qmp: `${base}.qmp`,
    vnc: `${base}.vnc`,
    serial: `${base}.serial`,
    pid: `${base}.pid`,
    log: `${base}.log`,
    efivars: `${base}.efivars.fd`,
  };
}

export type QemuArgvOptions = {
  runDir: string;
  accel: 'kvm' | 'tcg';
  /** OVMF code and (per-guest, writable) variable store; required when `bios` is `ovmf`. */
  firmware: { code: string; vars: string } | null;
  /** `-S`: the CPUs wait for QMP `cont` (a snapshot's RAM state is loaded first). */
  paused?: boolean;
};

/** QEMU's option parser splits on commas; a literal comma in a value is written twice. */
export function qemuOptValue(value: string): string {
  return value.replaceAll(',', ',,');
}

/** Where a disk slot sits: controller bus and unit, per machine type (Proxmox's mapping). */
function ideBus(index: number, machine: GuestConfig['machine']): string {
  // q35's ICH9 AHCI has one unit per bus; PIIX IDE has two. Odd indices move up two buses on q35.
  const controller = Math.floor(index / 2);
  const unit = index % 2;
  return machine === 'q35' ? `bus=ide.${controller + 2 * unit},unit=0` : `bus=ide.${controller},unit=${unit}`;
}

function diskDevice(slot: string, machine: GuestConfig['machine']): string {
  const parsed = parseDiskSlot(slot);
  if (!parsed) throw new Error(`unknown disk slot ${slot}`);
  const { bus, index } = parsed;
  switch (bus) {
    case 'virtio':
      return 'virtio-blk-pci';
    case 'scsi':
      return `scsi-hd,bus=scsihw0.0,channel=0,scsi-id=0,lun=${index}`;
    case 'sata':
      return `ide-hd,bus=ahci0.${index}`;
    case 'ide':
      return `ide-hd,${ideBus(index, machine)}`;
  }
}

/**
 * The QEMU argument array (without the binary) for a validated config.
 * Pure: the caller resolves the accelerator and the firmware files.
 */
export function buildQemuArgv(config: GuestConfig, options: QemuArgvOptions): string[] {
  const paths = guestPaths(options.runDir, config.vmid);
  const bootIndex = (dev: string): string => {
    const i = config.boot.indexOf(dev as GuestConfig['boot'][number]);
    return i === -1 ? '' : `,bootindex=${100 + i}`;
  };
  const a: string[] = [];

  a.push('-name', `${config.name},debug-threads=on`);
  a.push('-nodefaults', '-no-user-config');
  a.push('-accel', options.accel);
  a.push('-machine', config.machine === 'q35' ? 'q35' : 'pc');
  a.push('-smp', `${config.cores * config.sockets},sockets=${config.sockets},cores=${config.cores},threads=1`);
  a.push('-m', String(config.memoryMiB));
  if (options.paused) a.push('-S');

  if (config.bios === 'ovmf') {
    if (!options.firmware) throw new Error('bios ovmf needs firmware files');
    a.push('-drive', `if=pflash,unit=0,format=raw,readonly=on,file=${qemuOptValue(options.firmware.code)}`);
    a.push('-drive', `if=pflash,unit=1,format=raw,file=${qemuOptValue(options.firmware.vars)}`);
  }

  // -daemonize lets the guest outlive the agent. QEMU points its stderr at
  // /dev/null once daemonized unless -D is given; with -D (the same file the
  // agent sends stderr to) later messages, such as why it quit, are kept.
  a.push('-daemonize', '-pidfile', paths.pid, '-D', paths.log);
  a.push('-qmp', `unix:${qemuOptValue(paths.qmp)},server=on,wait=off`);
  // Every console viewer opens its own VNC connection; force-shared keeps a
  // client asking for exclusive access from disconnecting the others.
  a.push('-vnc', `unix:${qemuOptValue(paths.vnc)},share=force-shared`);
  a.push('-vga', config.vga);
  if (config.serial) {
    a.push('-chardev', `socket,id=serial0,path=${qemuOptValue(paths.serial)},server=on,wait=off`);
    a.push('-serial', 'chardev:serial0');
  }

  if (config.disks.some((d) => d.slot.startsWith('scsi'))) a.push('-device', 'virtio-scsi-pci,id=scsihw0');
  if (config.disks.some((d) => d.slot.startsWith('sata'))) a.push('-device', 'ahci,id=ahci0');
  for (const disk of config.disks) {
    a.push('-drive', `file=${qemuOptValue(disk.path)},if=none,id=drive-${disk.slot},format=${disk.format}`);
    a.push(
      '-device',
      `${diskDevice(disk.slot, config.machine)},drive=drive-${disk.slot},id=${disk.slot}${bootIndex(disk.slot)}`,
    );
  }
  if (config.cdrom) {
    a.push(
      '-drive',
      `file=${qemuOptValue(config.cdrom.path)},if=none,id=drive-ide2,media=cdrom,format=raw,readonly=on`,
    );
    a.push('-device', `ide-cd,${ideBus(2, config.machine)},drive=drive-ide2,id=ide2${bootIndex('ide2')}`);
  }

  config.nics.forEach((nic, i) => {
    const id = `net${i}`;
    a.push('-netdev', `user,id=${id}`);
    const model = nic.model === 'virtio' ? 'virtio-net-pci' : 'e1000';
    a.push('-device', `${model},netdev=${id},mac=${nic.mac.toLowerCase()},id=${id}${bootIndex(id)}`);
  });

  if (config.boot.length) a.push('-boot', 'menu=off,strict=on,reboot-timeout=1000');

  if (config.kernel) {
    a.push('-kernel', config.kernel.path);
    if (config.kernel.initrd) a.push('-initrd', config.kernel.initrd);
    if (config.kernel.cmdline) a.push('-append', config.kernel.cmdline);
  }
  return a;
}
