import { z } from 'zod';
import { ZNodeName, ZVmid } from '@/agent/contract/common';
import {
  ZCreateGuestInput,
  ZDiskSlot,
  ZGuestConfig,
  ZNewDisk,
  ZResizeInput,
  ZUpdateGuestInput,
} from '@/agent/contract/guests';
import { ZStorageId, ZVolumeId } from '@/agent/contract/common';
import {
  createGuest,
  deleteGuest,
  getGuest,
  guestAction,
  listGuestRows,
  nextVmid,
  resizeDisk,
  updateGuest,
} from '@/server/services/guests/guests';
import { addDisk, detachDisk } from '@/server/services/guests/disks';
import { searchGuests, ZGuestSearch } from '@/server/services/guests/search';
import { byOf } from '@/server/services/access/by';
import { authedProcedure, checkedProcedure, guardedProcedure, router } from '@/server/trpc';

const ZGuestRow = z.object({
  vmid: z.number(),
  node: z.string(),
  name: z.string(),
  status: z.string(),
  reason: z.string().nullable(),
  startedAt: z.date().nullable(),
  lock: z.string().nullable(),
  config: ZGuestConfig.or(z.object({})),
  pending: z.record(z.string(), z.unknown()).nullable(),
  nodeOnline: z.boolean(),
  can: z.object({
    powerMgmt: z.boolean(),
    config: z.boolean(),
    disk: z.boolean(),
    allocate: z.boolean(),
    console: z.boolean(),
  }),
});
const ZTaskRef = z.object({ upid: z.string() });
const ZVmidInput = z.object({ vmid: ZVmid });

const ZAction = z.discriminatedUnion('action', [
  z.object({ vmid: ZVmid, action: z.enum(['start', 'stop', 'reset', 'pause', 'resume']) }),
  z.object({
    vmid: ZVmid,
    action: z.literal('shutdown'),
    timeoutSeconds: z.number().int().min(1).max(3600).optional(),
    forceStop: z.boolean().optional(),
  }),
  z.object({ vmid: ZVmid, action: z.literal('reboot'), timeoutSeconds: z.number().int().min(1).max(3600).optional() }),
]);

export const vmRouter = router({
  /** Guests the caller may audit, optionally of one node, as list rows (no configuration). */
  list: authedProcedure
    .input(z.object({ node: ZNodeName.optional() }).default({}))
    .output(
      z.array(
        ZGuestRow.pick({
          vmid: true,
          node: true,
          name: true,
          status: true,
          startedAt: true,
          lock: true,
          nodeOnline: true,
        }).extend({ can: z.object({ powerMgmt: z.boolean() }) }),
      ),
    )
    .query(({ ctx, input }) => listGuestRows(ctx.db, ctx.perms, input, ctx.generations?.state)),

  /** One page of guests, filtered and sorted by the server (the datacenter-wide guest list). */
  search: authedProcedure
    .input(ZGuestSearch)
    .output(
      z.object({
        total: z.number(),
        rows: z.array(
          ZGuestRow.pick({ vmid: true, node: true, name: true, status: true, lock: true, startedAt: true }),
        ),
      }),
    )
    .query(({ ctx, input }) => searchGuests(ctx.db, ctx.perms, input, ctx.generations?.state)),

  get: guardedProcedure('VM.Audit', '/vms/{vmid}')
    .input(ZVmidInput)
    .output(ZGuestRow)
    .query(({ ctx, input }) => getGuest(ctx.db, ctx.perms, input.vmid, ctx.generations?.state)),

  /** The lowest free vmid, for the create wizard. */
  nextId: authedProcedure.output(z.number()).query(({ ctx }) => nextVmid(ctx.db)),

  create: guardedProcedure('VM.Allocate', '/vms/{vmid}')
    .input(ZCreateGuestInput.extend({ node: ZNodeName }))
    .output(ZTaskRef)
    .mutation(({ ctx, input }) => createGuest(ctx.db, ctx.actor, ctx.perms, input, ctx.client.ip)),

  /** Start, stop, shutdown (ACPI, optionally forced after the timeout), reboot, reset, pause, resume. */
  action: guardedProcedure('VM.PowerMgmt', '/vms/{vmid}')
    .input(ZAction)
    .output(ZTaskRef)
    .mutation(({ ctx, input }) => {
      const { vmid, ...action } = input;
      return guestAction(ctx.db, ctx.actor, vmid, action, ctx.client.ip);
    }),

  /** Hardware changes: at once when stopped, pending until the next start when running. */
  update: guardedProcedure(
    [
      'VM.Config.CPU',
      'VM.Config.Memory',
      'VM.Config.Options',
      'VM.Config.HWType',
      'VM.Config.Network',
      'VM.Config.CDROM',
    ],
    '/vms/{vmid}',
    'any',
  )
    .input(z.object({ vmid: ZVmid, changes: ZUpdateGuestInput }))
    .output(ZTaskRef)
    .mutation(({ ctx, input }) => updateGuest(ctx.db, ctx.actor, ctx.perms, input.vmid, input.changes, ctx.client.ip)),

  /** Grows a disk. */
  resize: guardedProcedure('VM.Config.Disk', '/vms/{vmid}')
    .input(ZResizeInput.extend({ vmid: ZVmid }))
    .output(ZTaskRef)
    .mutation(({ ctx, input }) => {
      const { vmid, ...resize } = input;
      return resizeDisk(ctx.db, ctx.actor, vmid, resize, ctx.client.ip);
    }),

  /** Adds a new disk (a volume created on `storage`); as Proxmox, also Datastore.AllocateSpace on the storage. */
  addDisk: checkedProcedure({
    test: 'and',
    checks: [
      { test: 'perm', path: '/vms/{vmid}', privileges: ['VM.Config.Disk'] },
      { test: 'perm', path: '/storage/{storage}', privileges: ['Datastore.AllocateSpace'] },
    ],
  })
    .input(ZNewDisk.extend({ vmid: ZVmid, storage: ZStorageId }).strict())
    .output(ZTaskRef)
    .mutation(({ ctx, input }) => {
      const { vmid, ...disk } = input;
      return addDisk(ctx.db, byOf(ctx), ctx.perms, vmid, disk);
    }),

  /** Attaches an unused volume of this VM (one detached earlier) to a free slot. */
  attachVolume: guardedProcedure('VM.Config.Disk', '/vms/{vmid}')
    .input(z.object({ vmid: ZVmid, slot: ZDiskSlot, volume: ZVolumeId }).strict())
    .output(ZTaskRef)
    .mutation(({ ctx, input }) => {
      const { vmid, ...disk } = input;
      return addDisk(ctx.db, byOf(ctx), ctx.perms, vmid, disk);
    }),

  /** Detaches a disk of a stopped VM; its volume stays on the storage. */
  detachDisk: guardedProcedure('VM.Config.Disk', '/vms/{vmid}')
    .input(z.object({ vmid: ZVmid, slot: ZDiskSlot }))
    .output(ZTaskRef)
    .mutation(({ ctx, input }) => detachDisk(ctx.db, byOf(ctx), input.vmid, input.slot)),

  /** Deletes the VM and its volumes; refused while running unless forced. */
  delete: guardedProcedure('VM.Allocate', '/vms/{vmid}')
    .input(z.object({ vmid: ZVmid, force: z.boolean().default(false) }))
    .output(ZTaskRef)
    .mutation(({ ctx, input }) => deleteGuest(ctx.db, ctx.actor, input.vmid, input.force, ctx.client.ip)),
});
