import path from 'node:path';
import { assertGuestName, assertVmid, InvalidNameError } from '../../lib/names';
import { DriverError } from '../errors';
import { SLOT_LIMITS, type BootDevice, type DiskSlot, type GuestConfig, type SlotBus } from '../types';

const MAX_NICS = 32;
const MAC = /^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$/i;
const VGA = new Set(['std', 'virtio', 'qxl', 'cirrus', 'none']);

/** Splits `scsi3` into bus and index; null for anything else. */
export function parseDiskSlot(slot: string): { bus: SlotBus; index: number } | null {
  const m = /^(ide|sata|scsi|virtio)(0|[1-9][0-9]?)$/.exec(slot);
  if (!m) return null;
  const bus = m[1] as SlotBus;
  const index = Number(m[2]);
  return index <= SLOT_LIMITS[bus] ? { bus, index } : null;
}

function invalid(field: string, message: string): DriverError {
  return new DriverError('INVALID_CONFIG', `${field}: ${message}`, { field });
}

function intIn(field: string, v: unknown, min: number, max: number): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw invalid(field, `must be an integer from ${min} to ${max}, got ${String(v)}`);
  }
}

/** An absolute host path with no control characters; `..` segments are refused. */
export function assertHostPath(field: string, p: unknown): string {
  if (typeof p !== 'string' || !path.isAbsolute(p))
    throw invalid(field, `must be an absolute path, got ${JSON.stringify(p)}`);
  if (/[\u0000-\u001f\u007f]/.test(p)) throw invalid(field, 'must not contain control characters');
  if (p.split('/').includes('..')) throw invalid(field, "must not contain '..'");
  return p;
}

/**
 * Checks a guest config before any of it reaches a path or a QEMU argument.
 * Throws DriverError INVALID_CONFIG naming the field.
 */
export function validateGuestConfig(config: GuestConfig): GuestConfig {
  try {
    assertVmid(config.vmid, 'vmid');
    assertGuestName(config.name, 'name');
  } catch (e) {
    if (e instanceof InvalidNameError) throw new DriverError('INVALID_CONFIG', e.message, { field: e.field });
    throw e;
  }
  intIn('cores', config.cores, 1, 512);
  intIn('sockets', config.sockets, 1, 16);
  intIn('memoryMiB', config.memoryMiB, 16, 4 * 1024 * 1024);
  if (config.machine !== 'q35' && config.machine !== 'i440fx') throw invalid('machine', "must be 'q35' or 'i440fx'");
  if (config.bios !== 'seabios' && config.bios !== 'ovmf') throw invalid('bios', "must be 'seabios' or 'ovmf'");
  if (!VGA.has(config.vga)) throw invalid('vga', `must be one of ${[...VGA].join(', ')}`);

  const devices = new Set<string>();
  config.disks.forEach((disk, i) => {
    const field = `disks[${i}]`;
    if (!parseDiskSlot(disk.slot)) throw invalid(`${field}.slot`, `unknown slot ${JSON.stringify(disk.slot)}`);
    if (devices.has(disk.slot)) throw invalid(`${field}.slot`, `${disk.slot} is used twice`);
    devices.add(disk.slot);
    assertHostPath(`${field}.path`, disk.path);
    if (disk.format !== 'qcow2' && disk.format !== 'raw') throw invalid(`${field}.format`, "must be 'qcow2' or 'raw'");
  });
  if (config.cdrom) {
    if (devices.has('ide2')) throw invalid('cdrom', 'slot ide2 holds the CD-ROM, but a disk uses it');
    assertHostPath('cdrom.path', config.cdrom.path);
    devices.add('ide2');
  }
  if (config.nics.length > MAX_NICS) throw invalid('nics', `at most ${MAX_NICS}`);
  config.nics.forEach((nic, i) => {
    if (nic.model !== 'virtio' && nic.model !== 'e1000')
      throw invalid(`nics[${i}].model`, "must be 'virtio' or 'e1000'");
    if (!MAC.test(nic.mac))
      throw invalid(`nics[${i}].mac`, `must look like aa:bb:cc:dd:ee:ff, got ${JSON.stringify(nic.mac)}`);
    if (parseInt(nic.mac.slice(0, 2), 16) & 1) throw invalid(`nics[${i}].mac`, 'must be a unicast address');
    devices.add(`net${i}`);
  });
  const seen = new Set<BootDevice>();
  config.boot.forEach((dev, i) => {
    if (!devices.has(dev)) throw invalid(`boot[${i}]`, `${JSON.stringify(dev)} is not a device of this guest`);
    if (seen.has(dev)) throw invalid(`boot[${i}]`, `${dev} is listed twice`);
    seen.add(dev);
  });
  if (config.kernel) {
    assertHostPath('kernel.path', config.kernel.path);
    if (config.kernel.initrd !== undefined) assertHostPath('kernel.initrd', config.kernel.initrd);
    if (config.kernel.cmdline !== undefined && /[\u0000-\u001f\u007f]/.test(config.kernel.cmdline)) {
      throw invalid('kernel.cmdline', 'must not contain control characters');
    }
  }
  return config;
}

export type { DiskSlot };
