import { z } from 'zod';
import { ZDiskSlot, ZGuestConfig, ZVmidParams } from './guests';
import { ZVolumeId } from './common';

/**
 * A snapshot name, Proxmox's rule (`pve-configid` for snapshots): a letter,
 * then letters, digits, `-` and `_`, at most 40 characters. `current` names
 * the guest's present state in Proxmox's list and cannot be a snapshot.
 * The name becomes a `qemu-img` argument and a QMP tag: it can never start with `-`.
 */
export const ZSnapshotName = z
  .string()
  .min(1, 'must not be empty')
  .max(40, 'must be at most 40 characters')
  .regex(/^[a-zA-Z][a-zA-Z0-9_-]*$/, 'must start with a letter; letters, digits, - and _ only')
  .refine((n) => n !== 'current', "'current' is reserved for the guest's present state");

/** Free text shown with a snapshot (Proxmox keeps up to 8 KiB). */
export const ZSnapshotDescription = z.string().max(8192, 'must be at most 8192 characters');

/** A disk a snapshot was taken on. */
export const ZSnapshotDisk = z.object({ slot: ZDiskSlot, volume: ZVolumeId });
export type SnapshotDisk = z.infer<typeof ZSnapshotDisk>;

/**
 * What the agent records per snapshot, in the guest's record: qcow2 stores
 * no parent, so the tree lives here (as Proxmox keeps `parent:` in the VM config).
 */
export const ZSnapshotRecord = z.object({
  name: ZSnapshotName,
  description: ZSnapshotDescription,
  /** Unix seconds. */
  snaptime: z.number().int(),
  /** The snapshot holds the guest's RAM and device state (a rollback resumes it running). */
  vmstate: z.boolean(),
  /** The disk whose image holds the RAM state, when `vmstate`. */
  vmstateSlot: ZDiskSlot.nullable().default(null),
  /** The snapshot this one was taken after; null for a root. */
  parent: ZSnapshotName.nullable(),
  /** The disks it was taken on. */
  disks: z.array(ZSnapshotDisk),
  /**
   * The guest's stored config when it was taken (the committed one, without
   * pending changes), as Proxmox keeps a copy of the config in each snapshot
   * section; a rollback puts it back. Absent in records written before
   * Horcrux kept it: rolling back to those restores the disks only.
   */
  config: ZGuestConfig.optional(),
});
export type SnapshotRecord = z.infer<typeof ZSnapshotRecord>;

/** A guest's snapshot tree: its snapshots and its current position (the parent of "NOW"). */
export const ZSnapshotTree = z.object({
  /** The snapshot the guest's present state descends from; null before the first one. */
  parent: ZSnapshotName.nullable(),
  list: z.array(ZSnapshotRecord),
});
export type SnapshotTree = z.infer<typeof ZSnapshotTree>;

/** A recorded snapshot as the agent reports it: reconciled with the disk images. */
export const ZSnapshot = ZSnapshotRecord.extend({
  /** Disks the snapshot was taken on whose image no longer has it. Empty when all is well. */
  missing: z.array(ZSnapshotDisk),
});
export type Snapshot = z.infer<typeof ZSnapshot>;

/** An internal snapshot found in a disk image that the agent has no record of. */
export const ZUnrecordedSnapshot = z.object({
  name: z.string(),
  slot: ZDiskSlot,
  volume: ZVolumeId,
  /** Unix seconds, from the image. */
  snaptime: z.number().int(),
  vmstateBytes: z.number().int(),
});
export type UnrecordedSnapshot = z.infer<typeof ZUnrecordedSnapshot>;

/** Whether the guest can be snapshotted now, and why not. */
export const ZSnapshotCapability = z.object({
  /** Disk snapshots are possible (every disk's storage and format can hold them). */
  snapshot: z.boolean(),
  /** RAM state can be included (the guest runs and its driver supports it). */
  withMemory: z.boolean(),
  /** Why `snapshot` is false: names the disk and the reason. */
  reason: z.string().nullable(),
});

/** `GET /guests/:vmid/snapshots`: the recorded tree reconciled with the disks. */
export const ZSnapshotList = z.object({
  vmid: z.number().int(),
  /** The guest's QEMU runs (or is paused). */
  running: z.boolean(),
  /** The current position: the parent of the guest's present state. */
  parent: z.string().nullable(),
  snapshots: z.array(ZSnapshot),
  unrecorded: z.array(ZUnrecordedSnapshot),
  capability: ZSnapshotCapability,
});
export type SnapshotList = z.infer<typeof ZSnapshotList>;

/** `POST /guests/:vmid/snapshots`: task `qmsnapshot`. */
export const ZCreateSnapshotInput = z.object({
  name: ZSnapshotName,
  description: ZSnapshotDescription.default(''),
  /** Include RAM state of a running guest; ignored for a stopped one (as Proxmox does). */
  vmstate: z.boolean().default(false),
});
export type CreateSnapshotInput = z.input<typeof ZCreateSnapshotInput>;

/** `PUT /guests/:vmid/snapshots/:name/config`: a new description; no task (as Proxmox). */
export const ZUpdateSnapshotInput = z.object({ description: ZSnapshotDescription });
export type UpdateSnapshotInput = z.infer<typeof ZUpdateSnapshotInput>;

/** `POST /guests/:vmid/snapshots/:name/rollback`: task `qmrollback`. */
export const ZRollbackSnapshotInput = z.object({
  /**
   * After rolling back to a snapshot without RAM state, start the guest
   * (Proxmox's `start` option). Default false: the guest ends stopped.
   */
  start: z.boolean().default(false),
});
export type RollbackSnapshotInput = z.input<typeof ZRollbackSnapshotInput>;

export const ZSnapshotParams = ZVmidParams.extend({ name: ZSnapshotName });

/** The answer of a description change. */
export const ZSnapshotResult = z.object({ snapshot: ZSnapshot });
