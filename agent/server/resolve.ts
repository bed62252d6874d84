import { randomBytes } from 'node:crypto';
import type { BootDevice, GuestConfig as DriverGuestConfig } from '../drivers/types';
import type { GuestConfig } from '../contract/guests';
import type { DirStorage } from '../storage/dir';
import { AgentError } from './errors';

/** The storages of a node by id. */
export type Storages = ReadonlyMap<string, DirStorage>;

/** The storage with this id; INVALID_INPUT naming `field` when the node has none. */
export function storageById(storages: Storages, id: string, field: string): DirStorage {
  const s = storages.get(id);
  if (!s)
    throw new AgentError('INVALID_INPUT', `${field}: storage ${JSON.stringify(id)} does not exist on this node`, {
      field,
    });
  return s;
}

/** The storage a volume id names. */
export function storageOf(storages: Storages, volid: string, field: string): DirStorage {
  return storageById(storages, volid.split(':')[0] ?? '', field);
}

/**
 * The driver's view of a guest: each volume id resolved to its host path
 * through the storage layer (which checks it), nothing else.
 */
export function toDriverConfig(config: GuestConfig, storages: Storages): DriverGuestConfig {
  const { disks, cdrom, kernel, ...rest } = config;
  const out: DriverGuestConfig = {
    ...rest,
    disks: disks.map((d, i) => ({
      slot: d.slot,
      format: d.format,
      path: storageOf(storages, d.volume, `disks.${i}.volume`).pathOf(d.volume, `disks.${i}.volume`, 'images'),
    })),
    cdrom: cdrom
      ? { path: storageOf(storages, cdrom.volume, 'cdrom.volume').pathOf(cdrom.volume, 'cdrom.volume', 'iso') }
      : null,
  };
  if (kernel) {
    out.kernel = {
      path: storageOf(storages, kernel.volume, 'kernel.volume').pathOf(kernel.volume, 'kernel.volume', 'snippets'),
    };
    if (kernel.initrd) {
      out.kernel.initrd = storageOf(storages, kernel.initrd, 'kernel.initrd').pathOf(
        kernel.initrd,
        'kernel.initrd',
        'snippets',
      );
    }
    if (kernel.cmdline !== undefined) out.kernel.cmdline = kernel.cmdline;
  }
  return out;
}

/** Checks that every volume a config names exists, naming the field of the first that does not. */
export async function assertVolumesExist(config: Partial<GuestConfig>, storages: Storages): Promise<void> {
  for (const [i, d] of (config.disks ?? []).entries()) {
    await storageOf(storages, d.volume, `disks.${i}.volume`).assertExists(d.volume, `disks.${i}.volume`, 'images');
  }
  if (config.cdrom) {
    await storageOf(storages, config.cdrom.volume, 'cdrom.volume').assertExists(
      config.cdrom.volume,
      'cdrom.volume',
      'iso',
    );
  }
  if (config.kernel) {
    const k = config.kernel;
    await storageOf(storages, k.volume, 'kernel.volume').assertExists(k.volume, 'kernel.volume', 'snippets');
    if (k.initrd)
      await storageOf(storages, k.initrd, 'kernel.initrd').assertExists(k.initrd, 'kernel.initrd', 'snippets');
  }
}

/** Boot devices must be devices of the guest, each once. */
export function assertBootOrder(config: GuestConfig): void {
  const devices = new Set<string>(config.disks.map((d) => d.slot));
  if (config.cdrom) devices.add('ide2');
  config.nics.forEach((_, i) => devices.add(`net${i}`));
  const seen = new Set<BootDevice>();
  config.boot.forEach((dev, i) => {
    if (!devices.has(dev))
      throw new AgentError('INVALID_INPUT', `boot.${i}: ${dev} is not a device of this guest`, { field: `boot.${i}` });
    if (seen.has(dev))
      throw new AgentError('INVALID_INPUT', `boot.${i}: ${dev} is listed twice`, { field: `boot.${i}` });
    seen.add(dev);
  });
}

/** Disk slots are unique, and `ide2` belongs to the CD-ROM; `fieldOf` names the input field of slot i. */
export function assertSlots(
  slots: string[],
  hasCdrom: boolean,
  fieldOf: (i: number) => string = (i) => `disks.${i}.slot`,
): void {
  const seen = new Set<string>();
  slots.forEach((slot, i) => {
    const field = fieldOf(i);
    if (seen.has(slot)) throw new AgentError('INVALID_INPUT', `${field}: ${slot} is used twice`, { field });
    if (slot === 'ide2' && hasCdrom)
      throw new AgentError('INVALID_INPUT', `${field}: ide2 holds the CD-ROM`, { field });
    seen.add(slot);
  });
}

/** A MAC with Proxmox's prefix `BC:24:11`, lower case. */
export function randomMac(): string {
  return ['bc', '24', '11', ...[...randomBytes(3)].map((b) => b.toString(16).padStart(2, '0'))].join(':');
}
