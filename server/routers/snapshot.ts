import { z } from 'zod';
import { ZVmid } from '@/agent/contract/common';
import { ZSnapshotDescription, ZSnapshotList, ZSnapshotName } from '@/agent/contract/snapshots';
import {
  createSnapshot,
  deleteSnapshot,
  getSnapshotTree,
  rollbackSnapshot,
  updateSnapshotDescription,
} from '@/server/services/guests/snapshots';
import { guardedProcedure, router } from '@/server/trpc';

const ZTaskRef = z.object({ upid: z.string() });
const ZSnapshotView = ZSnapshotList.extend({
  node: z.string(),
  can: z.object({ snapshot: z.boolean(), rollback: z.boolean() }),
});
const ZNamed = z.object({ vmid: ZVmid, name: ZSnapshotName });

/** Snapshots of a VM, with Proxmox's privileges on /vms/{vmid}. */
export const snapshotRouter = router({
  /** The tree reconciled with the disks, the current position, and what the caller may do. */
  list: guardedProcedure('VM.Audit', '/vms/{vmid}')
    .input(z.object({ vmid: ZVmid }))
    .output(ZSnapshotView)
    .query(({ ctx, input }) => getSnapshotTree(ctx.db, ctx.actor, ctx.perms, input.vmid)),

  create: guardedProcedure('VM.Snapshot', '/vms/{vmid}')
    .input(ZNamed.extend({ description: ZSnapshotDescription.default(''), vmstate: z.boolean().default(false) }))
    .output(ZTaskRef)
    .mutation(({ ctx, input }) => {
      const { vmid, ...spec } = input;
      return createSnapshot(ctx.db, ctx.actor, vmid, spec, ctx.client.ip);
    }),

  // Proxmox's check: either privilege (VM.Snapshot.Rollback exists to grant rollback alone).
  rollback: guardedProcedure(['VM.Snapshot', 'VM.Snapshot.Rollback'], '/vms/{vmid}', 'any')
    .input(ZNamed.extend({ start: z.boolean().default(false) }))
    .output(ZTaskRef)
    .mutation(({ ctx, input }) =>
      rollbackSnapshot(ctx.db, ctx.actor, input.vmid, input.name, { start: input.start }, ctx.client.ip),
    ),

  delete: guardedProcedure('VM.Snapshot', '/vms/{vmid}')
    .input(ZNamed)
    .output(ZTaskRef)
    .mutation(({ ctx, input }) => deleteSnapshot(ctx.db, ctx.actor, input.vmid, input.name, ctx.client.ip)),

  /** A new description, at once. */
  update: guardedProcedure('VM.Snapshot', '/vms/{vmid}')
    .input(ZNamed.extend({ description: ZSnapshotDescription }))
    .output(z.null())
    .mutation(async ({ ctx, input }) => {
      await updateSnapshotDescription(ctx.db, ctx.actor, input.vmid, input.name, input.description, ctx.client.ip);
      return null;
    }),
});
