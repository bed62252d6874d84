import { z } from 'zod';
import { parseDiskSlot } from '../drivers/qemu/validate';
import type {
  BootDevice,
  DiskFormat,
  DiskSlot,
  GuestConfig as DriverGuestConfig,
  GuestState,
  NicModel,
  VgaType,
} from '../drivers/types';
import { ZGuestName, ZStorageId, ZVmid, ZVolumeId } from './common';

/** `scsi0`, `virtio1`, `sata2`, `ide0` ... within Proxmox's per-bus limits. */
export const ZDiskSlot = z.custom<DiskSlot>(
  (v) => typeof v === 'string' && parseDiskSlot(v) !== null,
  'must be a disk slot such as scsi0, virtio0, sata0 or ide0 (ide2 is the CD-ROM)',
);
export const ZDiskFormat = z.enum(['qcow2', 'raw']) satisfies z.ZodType<DiskFormat>;
export const ZNicModel = z.enum(['virtio', 'e1000']) satisfies z.ZodType<NicModel>;
export const ZVgaType = z.enum(['std', 'virtio', 'qxl', 'cirrus', 'none']) satisfies z.ZodType<VgaType>;
/** A disk slot, `ide2` (the CD-ROM) or `netN`. */
export const ZBootDevice = z.custom<BootDevice>(
  (v) => typeof v === 'string' && (parseDiskSlot(v) !== null || /^net([0-9]|[12][0-9]|3[01])$/.test(v)),
  'must be a disk slot, ide2 or netN',
);
/** Unicast MAC, lower or upper case hex. */
export const ZMac = z
  .string()
  .regex(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i, 'must look like aa:bb:cc:dd:ee:ff')
  .refine((m) => (parseInt(m.slice(0, 2), 16) & 1) === 0, 'must be a unicast address');

/** Proxmox's `ostype` values: a hint about the guest OS, kept with the config. */
export const ZOsType = z.enum([
  'other',
  'wxp',
  'w2k',
  'w2k3',
  'w2k8',
  'wvista',
  'win7',
  'win8',
  'win10',
  'win11',
  'l24',
  'l26',
  'solaris',
]);

/** A tag, Proxmox's `pve-tag` rule. */
export const ZTag = z
  .string()
  .max(64)
  .regex(/^[a-z0-9_][a-z0-9_\-+.]*$/i, 'must start with a letter, digit or _; then letters, digits, _ - + .');

/** A disk of a guest: an image volume on a storage of this node. */
export const ZGuestDisk = z.object({
  slot: ZDiskSlot,
  /** `local:100/vm-100-disk-0.qcow2`. */
  volume: ZVolumeId,
  format: ZDiskFormat,
});
export type GuestDisk = z.infer<typeof ZGuestDisk>;

export const ZGuestNic = z.object({ model: ZNicModel, mac: ZMac });

/** Kernel command line: printable ASCII only (it becomes one QEMU argument, never a shell word). */
export const ZKernelCmdline = z
  .string()
  .max(2048)
  .regex(/^[\x20-\x7e]*$/, 'must be printable ASCII');

/** Direct kernel boot (appliances, tests): kernel and initrd are `snippets` volumes. */
export const ZGuestKernel = z.object({
  volume: ZVolumeId,
  initrd: ZVolumeId.optional(),
  cmdline: ZKernelCmdline.optional(),
});

/**
 * A guest's hardware at the API level: the driver's GuestConfig
 * (agent/drivers/types.ts) with volume ids where the driver takes host paths.
 */
export type GuestConfig = Omit<DriverGuestConfig, 'disks' | 'cdrom' | 'kernel'> & {
  disks: GuestDisk[];
  /** Notes shown with the guest (Proxmox's `description`); not given to the hypervisor. */
  description?: string;
  tags?: string[];
  ostype?: z.infer<typeof ZOsType>;
  /** An ISO volume in the CD-ROM drive (`ide2`), or no drive. */
  cdrom: { volume: string } | null;
  kernel?: { volume: string; initrd?: string; cmdline?: string };
};

const fields = {
  vmid: ZVmid,
  name: ZGuestName,
  cores: z.number().int().min(1).max(512),
  sockets: z.number().int().min(1).max(16),
  /** At least 16 MiB; at most what the node has (checked by the agent). */
  memoryMiB: z
    .number()
    .int()
    .min(16)
    .max(4 * 1024 * 1024),
  machine: z.enum(['q35', 'i440fx']),
  bios: z.enum(['seabios', 'ovmf']),
  cdrom: z.object({ volume: ZVolumeId }).nullable(),
  boot: z.array(ZBootDevice).max(8),
  nics: z.array(ZGuestNic).max(32),
  serial: z.boolean(),
  vga: ZVgaType,
  kernel: ZGuestKernel.optional(),
  description: z.string().max(8192).optional(),
  tags: z.array(ZTag).max(32).optional(),
  ostype: ZOsType.optional(),
};

/** The stored hardware of a guest. */
export const ZGuestConfig = z.object({
  ...fields,
  disks: z.array(ZGuestDisk).max(32),
}) satisfies z.ZodType<GuestConfig>;

/** A new disk: the agent creates `vm-<vmid>-disk-<n>.<format>` on the storage. */
export const ZNewDisk = z.object({
  slot: ZDiskSlot,
  storage: ZStorageId.default('local'),
  /** Virtual size; at most the storage's free space (checked by the agent). */
  sizeMiB: z
    .number()
    .int()
    .min(1)
    .max(64 * 1024 * 1024),
  format: ZDiskFormat.default('qcow2'),
});

/** A new NIC; the agent picks a MAC (Proxmox's `BC:24:11` prefix) when none is given. */
export const ZNewNic = z.object({ model: ZNicModel.default('virtio'), mac: ZMac.optional() });

/** `POST /guests`: create a guest; answers with the `qmcreate` task. */
export const ZCreateGuestInput = z.object({
  vmid: fields.vmid,
  name: fields.name,
  cores: fields.cores.default(1),
  sockets: fields.sockets.default(1),
  memoryMiB: fields.memoryMiB.default(512),
  machine: fields.machine.default('q35'),
  bios: fields.bios.default('seabios'),
  disks: z.array(ZNewDisk).max(32).default([]),
  cdrom: fields.cdrom.default(null),
  /** Default: the first disk, then the CD-ROM, then net0. */
  boot: fields.boot.optional(),
  nics: z
    .array(ZNewNic)
    .max(32)
    .default([{ model: 'virtio' }]),
  serial: fields.serial.default(true),
  vga: fields.vga.default('std'),
  kernel: fields.kernel,
  description: fields.description,
  tags: fields.tags,
  ostype: fields.ostype,
});
export type CreateGuestInput = z.input<typeof ZCreateGuestInput>;

/**
 * `PUT /guests/:vmid/config`: changes to the hardware. A stopped guest gets
 * them at once; a running one keeps them as pending until its next start or
 * reboot (Proxmox's pending section). `kernel: null` removes direct kernel boot.
 * Disks change through their own operations (ZAddDiskInput, detach, resize),
 * not here. `description`, `tags`, `ostype`: null removes them.
 */
const ZGuestChanges = z
  .object({
    name: fields.name,
    cores: fields.cores,
    sockets: fields.sockets,
    memoryMiB: fields.memoryMiB,
    machine: fields.machine,
    bios: fields.bios,
    cdrom: fields.cdrom,
    boot: fields.boot,
    nics: fields.nics,
    serial: fields.serial,
    vga: fields.vga,
    kernel: ZGuestKernel.nullable(),
    description: z.string().max(8192).nullable(),
    tags: z.array(ZTag).max(32).nullable(),
    ostype: ZOsType.nullable(),
  })
  .partial()
  .strict();
export const ZUpdateGuestInput = ZGuestChanges.refine((v) => Object.keys(v).length > 0, 'nothing to change');
export type UpdateGuestInput = z.input<typeof ZUpdateGuestInput>;

/**
 * Changes waiting for the next start, as stored (`kernel: null` = remove):
 * the update fields, and `disks`, the whole disk list the next start uses,
 * when a disk was added while the guest ran (its volume exists already).
 */
export const ZPendingChanges = ZGuestChanges.extend({ disks: z.array(ZGuestDisk).max(32).optional() });
export type PendingChanges = z.infer<typeof ZPendingChanges>;

/** A guest's runtime status, read from the hypervisor at the time of the call. */
export const ZGuestRuntime = z.object({
  state: z.enum(['running', 'paused', 'stopped']) satisfies z.ZodType<GuestState>,
  /** QMP's own word (`running`, `paused`, `shutdown` ...), null when stopped. */
  qmpStatus: z.string().nullable(),
  pid: z.number().int().nullable(),
  uptimeSeconds: z.number().nullable(),
  /** Why the process died, from its log; null when it was stopped cleanly or runs. */
  reason: z.string().nullable(),
});

/** One guest: config, pending changes, runtime status and lock. */
export const ZGuest = z.object({
  vmid: ZVmid,
  name: z.string(),
  config: ZGuestConfig,
  pending: ZPendingChanges.nullable(),
  runtime: ZGuestRuntime,
  /** The UPID of the task holding the guest, or null. */
  lock: z.string().nullable(),
});
export type Guest = z.infer<typeof ZGuest>;

export const ZGuestList = z.object({ guests: z.array(ZGuest) });
export type GuestList = z.infer<typeof ZGuestList>;

export const ZVmidParams = z.object({ vmid: z.coerce.number().pipe(ZVmid) });

/** `POST /guests/:vmid/status/shutdown`: ACPI power-down, forced stop after the timeout if asked. */
export const ZShutdownInput = z.object({
  timeoutSeconds: z.number().int().min(1).max(3600).default(60),
  forceStop: z.boolean().default(false),
});
export type ShutdownInput = z.input<typeof ZShutdownInput>;

/** `POST /guests/:vmid/status/reboot`: shutdown (forced after the timeout), pending changes, start. */
export const ZRebootInput = z.object({ timeoutSeconds: z.number().int().min(1).max(3600).default(60) });
export type RebootInput = z.input<typeof ZRebootInput>;

/** Actions without options. */
export const ZSimpleAction = z.enum(['start', 'stop', 'reset', 'pause', 'resume']);
export type SimpleAction = z.infer<typeof ZSimpleAction>;

/** `POST /guests/:vmid/resize`: grow a disk of a stopped guest to `sizeMiB` (never shrinks). */
export const ZResizeInput = z.object({
  slot: ZDiskSlot,
  sizeMiB: z
    .number()
    .int()
    .min(1)
    .max(64 * 1024 * 1024),
});
export type ResizeInput = z.infer<typeof ZResizeInput>;

/**
 * `POST /guests/:vmid/disks`: adds a disk in a free slot, task `qmconfig`:
 * a new volume `vm-<vmid>-disk-<n>` (ZNewDisk), or an image volume of this
 * guest that no config uses (one detached earlier). A stopped guest gets it
 * at once, a running one at its next start (pending).
 */
export const ZAddDiskInput = z.union([ZNewDisk.strict(), z.object({ slot: ZDiskSlot, volume: ZVolumeId }).strict()]);
export type AddDiskInput = z.input<typeof ZAddDiskInput>;

/** `POST /guests/:vmid/disks/:slot/detach`: the disk leaves the config (and the boot order); its volume is kept. */
export const ZDiskParams = ZVmidParams.extend({ slot: ZDiskSlot });

/** `DELETE /guests/:vmid?force=1`: refused while running unless forced (then stopped first). */
export const ZDeleteQuery = z.object({
  force: z
    .enum(['0', '1', 'true', 'false'])
    .transform((v) => v === '1' || v === 'true')
    .default(false),
});
export type DeleteGuestQuery = z.input<typeof ZDeleteQuery>;
