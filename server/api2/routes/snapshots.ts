import { z } from 'zod';
import { ZNodeName } from '@/agent/contract/common';
import { ZSnapshotDescription, ZSnapshotName } from '@/agent/contract/snapshots';
import type { Privilege } from '@/server/access/privileges';
import {
  createSnapshot,
  deleteSnapshot,
  listSnapshotEntries,
  rollbackSnapshot,
  updateSnapshotDescription,
} from '@/server/services/guests/snapshots';
import { toApiError } from '../errors';
import { zBool, zInt } from '../params';
import { endpoint } from '../types';
import { guestOn, snapshotSection } from './qemu';

const ZVm = z.object({ node: ZNodeName, vmid: zInt(100, 999_999_999) });
const ZSnap = ZVm.extend({ snapname: ZSnapshotName });

const perm = (privileges: Privilege[], any = false) =>
  ({ kind: 'check', check: { test: 'perm', path: '/vms/{vmid}', privileges, any } }) as const;

/** Service errors with Horcrux's field names as Proxmox's (`name` is `snapname`). */
async function mapped<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    throw toApiError(e, (field) => (field === 'name' ? 'snapname' : field));
  }
}

export const snapshotEndpoints = [
  endpoint({
    method: 'GET',
    path: '/nodes/{node}/qemu/{vmid}/snapshot',
    access: perm(['VM.Audit']),
    params: ZVm.strict(),
    /** The snapshots and the `current` pseudo-entry, as Proxmox lists them. */
    handler: async (ctx, p) => {
      await guestOn(ctx, p.node, p.vmid);
      return mapped(() => listSnapshotEntries(ctx.db, ctx.actor, p.vmid));
    },
  }),
  endpoint({
    method: 'POST',
    path: '/nodes/{node}/qemu/{vmid}/snapshot',
    access: perm(['VM.Snapshot']),
    params: ZSnap.extend({ description: ZSnapshotDescription.optional(), vmstate: zBool.optional() }).strict(),
    handler: async (ctx, p) => {
      await guestOn(ctx, p.node, p.vmid);
      const input = { name: p.snapname, description: p.description ?? '', vmstate: p.vmstate ?? false };
      return (await mapped(() => createSnapshot(ctx.db, ctx.actor, p.vmid, input, ctx.ip))).upid;
    },
  }),
  endpoint({
    method: 'GET',
    path: '/nodes/{node}/qemu/{vmid}/snapshot/{snapname}/config',
    access: perm(['VM.Audit']),
    params: ZSnap.strict(),
    /** The VM config the snapshot recorded and its own fields, as Proxmox's snapshot section. */
    handler: async (ctx, p) => {
      const g = await guestOn(ctx, p.node, p.vmid);
      return mapped(() => snapshotSection(ctx, g, p.snapname));
    },
  }),
  endpoint({
    method: 'PUT',
    path: '/nodes/{node}/qemu/{vmid}/snapshot/{snapname}/config',
    access: perm(['VM.Snapshot']),
    params: ZSnap.extend({ description: ZSnapshotDescription.optional() }).strict(),
    handler: async (ctx, p) => {
      await guestOn(ctx, p.node, p.vmid);
      if (p.description !== undefined)
        await mapped(() => updateSnapshotDescription(ctx.db, ctx.actor, p.vmid, p.snapname, p.description!, ctx.ip));
      return null;
    },
  }),
  endpoint({
    method: 'DELETE',
    path: '/nodes/{node}/qemu/{vmid}/snapshot/{snapname}',
    access: perm(['VM.Snapshot']),
    params: ZSnap.extend({ force: zBool.optional() }).strict(),
    handler: async (ctx, p) => {
      await guestOn(ctx, p.node, p.vmid);
      return (await mapped(() => deleteSnapshot(ctx.db, ctx.actor, p.vmid, p.snapname, ctx.ip))).upid;
    },
  }),
  endpoint({
    method: 'POST',
    path: '/nodes/{node}/qemu/{vmid}/snapshot/{snapname}/rollback',
    // Proxmox: VM.Snapshot or VM.Snapshot.Rollback.
    access: perm(['VM.Snapshot', 'VM.Snapshot.Rollback'], true),
    params: ZSnap.extend({ start: zBool.optional() }).strict(),
    handler: async (ctx, p) => {
      await guestOn(ctx, p.node, p.vmid);
      return (await mapped(() => rollbackSnapshot(ctx.db, ctx.actor, p.vmid, p.snapname, { start: p.start }, ctx.ip)))
        .upid;
    },
  }),
];
