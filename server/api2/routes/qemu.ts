import { z } from 'zod';
import { ZNodeName } from '@/agent/contract/common';
import type { GuestConfig } from '@/agent/contract/guests';
import { applyPending } from '@/agent/server/guest-store';
import { ZSnapshotName } from '@/agent/contract/snapshots';
import { actorName } from '@/server/access/actor';
import type { Privilege } from '@/server/access/privileges';
import {
  createGuest,
  deleteGuest,
  getGuest,
  guestAction,
  listGuests,
  resizeDisk,
  updateGuest,
  type GuestActionInput,
  type GuestRow,
} from '@/server/services/guests/guests';
import { addDisk, detachDisk } from '@/server/services/guests/disks';
import { getSnapshotEntry } from '@/server/services/guests/snapshots';
import { listVolumes } from '@/server/services/nodes/storage';
import { awaitTask } from '@/server/services/tasks/tasks';
import { ApiError, paramErrorOf, toApiError } from '../errors';
import { zBool, zInt } from '../params';
import { parseSize } from '../property-string';
import { endpoint, type Ctx } from '../types';
import {
  configDigest,
  isDiskKey,
  proxmoxParamOf,
  toConfigChange,
  toCreateInput,
  toProxmoxConfig,
  type ConfigChange,
} from '../vm-config';
import { guestUsage, vmResource } from './cluster';
import { assertNode } from './nodes';

const ZVmid = zInt(100, 999_999_999);
const ZVm = z.object({ node: ZNodeName, vmid: ZVmid });
/** Config parameters are many and validated by vm-config.ts, which names each bad key. */
const ZVmConfigParams = ZVm.catchall(z.unknown());

const CONFIG_PRIVS: Privilege[] = [
  'VM.Config.Disk',
  'VM.Config.CDROM',
  'VM.Config.CPU',
  'VM.Config.Memory',
  'VM.Config.Network',
  'VM.Config.HWType',
  'VM.Config.Options',
  'VM.Config.Cloudinit',
];

const perm = (privileges: Privilege[], any = false) =>
  ({ kind: 'check', check: { test: 'perm', path: '/vms/{vmid}', privileges, any } }) as const;

/** Service errors with their fields named as Proxmox parameters. */
async function mapped<T>(f: () => Promise<T>, config?: { disks?: { slot: string }[] }): Promise<T> {
  try {
    return await f();
  } catch (e) {
    throw toApiError(e, (field) => proxmoxParamOf(field, config));
  }
}

/** The guest, which must be on `node` (as Proxmox looks for its config file on that node). */
export async function guestOn(ctx: Ctx, node: string, vmid: number): Promise<GuestRow> {
  await assertNode(ctx, node);
  const g = await mapped(() => getGuest(ctx.db, ctx.perms, vmid));
  if (g.node !== node)
    throw new ApiError(
      500,
      `Configuration file 'nodes/${node}/qemu-server/${vmid}.conf' does not exist (VM ${vmid} is on node ${g.node})`,
    );
  if (!('cores' in g.config)) throw new ApiError(500, `VM ${vmid} is locked (create)`);
  return g;
}

/** The config a client sees by default: pending changes applied, as Proxmox's GET config answers. */
function effectiveConfig(g: GuestRow, current = false): GuestConfig {
  return current ? g.config : applyPending(g.config, g.pending);
}

/** The sizes of the image volumes `config` (by default the guest's) names, by volume id. */
async function diskSizes(ctx: Ctx, g: GuestRow, config: GuestConfig = g.config): Promise<Map<string, number>> {
  const vols = await listVolumes(ctx.db, ctx.actor, { node: g.node, storage: 'local', content: 'images' }).catch(
    () => [],
  );
  const storages = new Set(config.disks.map((d) => d.volume.split(':')[0]!));
  const more = await Promise.all(
    [...storages]
      .filter((s) => s !== 'local')
      .map((storage) => listVolumes(ctx.db, ctx.actor, { node: g.node, storage, content: 'images' }).catch(() => [])),
  );
  return new Map([...vols, ...more.flat()].map((v) => [v.volid, v.sizeBytes]));
}

/**
 * A snapshot's section as Proxmox answers it: the VM config the snapshot
 * recorded, formatted as GET config formats the guest's, with the snapshot's
 * own fields (`description`, `snaptime`, `vmstate`, `parent`) over it.
 * Snapshots taken before Horcrux kept a config answer their own fields only.
 */
export async function snapshotSection(ctx: Ctx, g: GuestRow, snapname: string): Promise<Record<string, unknown>> {
  const { entry, config } = await getSnapshotEntry(ctx.db, ctx.actor, g.vmid, snapname);
  const { name: _name, ...own } = entry;
  if (!config) return own;
  const { digest: _digest, ...vm } = toProxmoxConfig(config, await diskSizes(ctx, g, config));
  return { ...vm, ...own };
}

/** A disk step's errors name its slot, the Proxmox parameter. */
const onSlot = (slot: string, f: () => Promise<{ upid: string }>) => (): Promise<{ upid: string }> =>
  f().catch((e: unknown) => {
    throw toApiError(e, () => slot);
  });

/** The steps of a config change, each starting one task: detaches, adds, then the other changes. */
function configSteps(ctx: Ctx, vmid: number, change: ConfigChange): (() => Promise<{ upid: string }>)[] {
  const by = { actor: ctx.actor, ip: ctx.ip };
  if ((change.detach.length || change.add.length) && !ctx.perms.has('VM.Config.Disk', `/vms/${vmid}`))
    throw new ApiError(
      403,
      `Permission check failed (${actorName(ctx.actor)} lacks VM.Config.Disk on /vms/${vmid}, to add or remove disks)`,
    );
  const { update } = change;
  return [
    ...change.detach.map((slot) => onSlot(slot, () => detachDisk(ctx.db, by, vmid, slot))),
    ...change.add.map((disk) => onSlot(disk.slot, () => addDisk(ctx.db, by, ctx.perms, vmid, disk))),
    ...(update ? [() => mapped(() => updateGuest(ctx.db, ctx.actor, ctx.perms, vmid, update, ctx.ip))] : []),
  ];
}

/**
 * Applies a config change as one task per step, each started once the one
 * before ended well (they hold the guest's lock); answers the last task's
 * UPID, or null when nothing changes.
 */
async function changeConfig(
  ctx: Ctx,
  p: Record<string, unknown> & { node: string; vmid: number },
): Promise<string | null> {
  const { node, vmid, digest, ...params } = p;
  const g = await guestOn(ctx, node, vmid);
  const config = effectiveConfig(g);
  if (digest !== undefined && digest !== configDigest(g.config))
    throw new ApiError(500, 'detected modified configuration - file changed by other user? Try again.');
  const change = toConfigChange(params, config, vmid);
  if (!change) return null;
  let upid: string | null = null;
  for (const step of configSteps(ctx, vmid, change)) {
    if (upid) await ended(ctx, node, upid);
    ({ upid } = await step());
  }
  return upid;
}

/** Waits for a task; a failed one fails the request with its exit status. */
async function ended(ctx: Ctx, node: string, upid: string): Promise<void> {
  const s = await mapped(() => awaitTask(ctx.db, ctx.actor.userid, node, upid));
  if (s.exitStatus !== 'OK' && !s.exitStatus?.startsWith('WARNINGS'))
    throw new ApiError(500, `${s.exitStatus ?? 'task failed'} (task ${upid})`);
}

const ACTIONS: {
  action: string;
  privilege: Privilege;
  params: z.ZodRawShape;
  input: (p: Record<string, unknown>) => GuestActionInput;
}[] = [
  {
    action: 'start',
    privilege: 'VM.PowerMgmt',
    params: { skiplock: zBool.optional(), timeout: zInt(0).optional() },
    input: () => ({ action: 'start' }),
  },
  {
    action: 'stop',
    privilege: 'VM.PowerMgmt',
    params: {
      skiplock: zBool.optional(),
      timeout: zInt(0).optional(),
      keepActive: zBool.optional(),
      'overrule-shutdown': zBool.optional(),
    },
    input: () => ({ action: 'stop' }),
  },
  {
    action: 'shutdown',
    privilege: 'VM.PowerMgmt',
    params: {
      forceStop: zBool.optional(),
      timeout: zInt(1, 3600).optional(),
      keepActive: zBool.optional(),
      skiplock: zBool.optional(),
    },
    input: (p) => ({
      action: 'shutdown',
      ...(p.timeout !== undefined ? { timeoutSeconds: p.timeout as number } : {}),
      ...(p.forceStop !== undefined ? { forceStop: p.forceStop as boolean } : {}),
    }),
  },
  {
    action: 'reboot',
    privilege: 'VM.PowerMgmt',
    params: { timeout: zInt(1, 3600).optional() },
    input: (p) => ({ action: 'reboot', ...(p.timeout !== undefined ? { timeoutSeconds: p.timeout as number } : {}) }),
  },
  {
    action: 'reset',
    privilege: 'VM.PowerMgmt',
    params: { skiplock: zBool.optional() },
    input: () => ({ action: 'reset' }),
  },
  {
    action: 'suspend',
    privilege: 'VM.PowerMgmt',
    params: { skiplock: zBool.optional(), todisk: zBool.optional(), statestorage: z.string().optional() },
    input: () => ({ action: 'pause' }),
  },
  {
    action: 'resume',
    privilege: 'VM.PowerMgmt',
    params: { skiplock: zBool.optional(), nocheck: zBool.optional() },
    input: () => ({ action: 'resume' }),
  },
];

export const qemuEndpoints = [
  endpoint({
    method: 'GET',
    path: '/nodes/{node}/qemu',
    access: { kind: 'authenticated', why: 'filtered: guests with VM.Audit' },
    params: z.object({ node: ZNodeName, full: zBool.optional() }).strict(),
    handler: async (ctx, p) => {
      await assertNode(ctx, p.node);
      const [guests, usage] = await Promise.all([listGuests(ctx.db, ctx.perms, { node: p.node }), guestUsage(ctx.db)]);
      return guests.map((g) => {
        const { id: _id, type: _type, node: _node, maxcpu, template: _t, ...r } = vmResource(g, usage.get(g.vmid));
        return { ...r, cpus: maxcpu };
      });
    },
  }),
  endpoint({
    method: 'POST',
    path: '/nodes/{node}/qemu',
    access: perm(['VM.Allocate']),
    params: ZVmConfigParams,
    /** Creates the VM as a `qmcreate` task; disks `STORAGE:SIZE_GiB` also need Datastore.AllocateSpace (checked by the service). */
    handler: async (ctx, p) => {
      const { node, vmid, ...params } = p;
      await assertNode(ctx, node);
      if (params.start !== undefined && ['1', 'true', 1, true].includes(params.start as string))
        throw paramErrorOf('start', 'start the VM with POST .../status/start once the create task has ended');
      const input = toCreateInput(params, vmid);
      const { upid } = await mapped(() => createGuest(ctx.db, ctx.actor, ctx.perms, { ...input, node }, ctx.ip), {
        disks: input.disks,
      });
      return upid;
    },
  }),
  endpoint({
    method: 'GET',
    path: '/nodes/{node}/qemu/{vmid}/config',
    access: perm(['VM.Audit']),
    params: ZVm.extend({ current: zBool.optional(), snapshot: ZSnapshotName.optional() }).strict(),
    handler: async (ctx, p) => {
      const g = await guestOn(ctx, p.node, p.vmid);
      // As Proxmox: the snapshot's section, with the digest of the guest's config.
      if (p.snapshot !== undefined) {
        const snapshot = p.snapshot;
        const section = await mapped(() => snapshotSection(ctx, g, snapshot));
        return { ...section, digest: configDigest(g.config) };
      }
      return toProxmoxConfig(effectiveConfig(g, p.current), await diskSizes(ctx, g));
    },
  }),
  endpoint({
    method: 'GET',
    path: '/nodes/{node}/qemu/{vmid}/pending',
    access: perm(['VM.Audit']),
    params: ZVm.strict(),
    handler: async (ctx, p) => {
      const g = await guestOn(ctx, p.node, p.vmid);
      const sizes = await diskSizes(ctx, g);
      const cur = toProxmoxConfig(g.config, sizes);
      const pend = toProxmoxConfig(effectiveConfig(g), sizes);
      const keys = [...new Set([...Object.keys(cur), ...Object.keys(pend)])].filter((k) => k !== 'digest').sort();
      return keys.map((key) => ({
        key,
        ...(key in cur ? { value: cur[key] } : {}),
        ...(key in pend && pend[key] !== cur[key] ? { pending: pend[key] } : {}),
        ...(key in cur && !(key in pend) ? { delete: 1 } : {}),
      }));
    },
  }),
  endpoint({
    method: 'PUT',
    path: '/nodes/{node}/qemu/{vmid}/config',
    access: perm(CONFIG_PRIVS, true),
    params: ZVmConfigParams,
    /** Synchronous: answers null once the change is applied (or pending, for a running guest). */
    handler: async (ctx, p) => {
      const upid = await changeConfig(ctx, p);
      if (upid) await ended(ctx, p.node, upid);
      return null;
    },
  }),
  endpoint({
    method: 'POST',
    path: '/nodes/{node}/qemu/{vmid}/config',
    access: perm(CONFIG_PRIVS, true),
    params: ZVmConfigParams,
    /** Asynchronous: answers the `qmconfig` task, or null when nothing changes. */
    handler: (ctx, p) => changeConfig(ctx, p),
  }),
  endpoint({
    method: 'PUT',
    path: '/nodes/{node}/qemu/{vmid}/resize',
    access: perm(['VM.Config.Disk']),
    params: ZVm.extend({
      disk: z.string(),
      size: z.string(),
      digest: z.string().optional(),
      skiplock: zBool.optional(),
    }).strict(),
    /** Grows a disk to `size` or by `+size`; answers the `resize` task. */
    handler: async (ctx, p) => {
      if (!isDiskKey(p.disk)) throw paramErrorOf('disk', `'${p.disk}' is not a disk slot`);
      const g = await guestOn(ctx, p.node, p.vmid);
      const disk = g.config.disks.find((d) => d.slot === p.disk);
      if (!disk) throw paramErrorOf('disk', `VM ${p.vmid} has no disk ${p.disk}`);
      const relative = p.size.startsWith('+');
      const bytes = parseSize(relative ? p.size.slice(1) : p.size);
      if (bytes === null) throw paramErrorOf('size', `'${p.size}' is not a size such as 32G or +1G`);
      const current = (await diskSizes(ctx, g)).get(disk.volume) ?? 0;
      const target = relative ? current + bytes : bytes;
      if (target < current) throw paramErrorOf('size', 'shrinking disks is not supported');
      const { upid } = await mapped(() =>
        resizeDisk(ctx.db, ctx.actor, p.vmid, { slot: disk.slot, sizeMiB: Math.ceil(target / 1024 / 1024) }, ctx.ip),
      );
      return upid;
    },
  }),
  endpoint({
    method: 'GET',
    path: '/nodes/{node}/qemu/{vmid}/status/current',
    access: perm(['VM.Audit']),
    params: ZVm.strict(),
    handler: async (ctx, p) => {
      const g = await guestOn(ctx, p.node, p.vmid);
      const r = vmResource(g, (await guestUsage(ctx.db, g.vmid)).get(g.vmid));
      return {
        vmid: g.vmid,
        name: g.name,
        status: g.status === 'paused' ? 'running' : g.status,
        qmpstatus: g.status,
        cpus: r.maxcpu,
        cpu: r.cpu,
        maxmem: r.maxmem,
        mem: r.mem,
        maxdisk: 0,
        disk: 0,
        uptime: r.uptime,
        netin: 0,
        netout: 0,
        diskread: 0,
        diskwrite: 0,
        ha: { managed: 0 },
        ...(r.lock ? { lock: r.lock } : {}),
        ...(r.tags ? { tags: r.tags } : {}),
      };
    },
  }),
  ...ACTIONS.map((a) =>
    endpoint({
      method: 'POST',
      path: `/nodes/{node}/qemu/{vmid}/status/${a.action}`,
      access: perm([a.privilege]),
      params: ZVm.extend(a.params).strict(),
      handler: async (ctx, params) => {
        const p = params as Record<string, unknown> & { node: string; vmid: number };
        await guestOn(ctx, p.node, p.vmid);
        const { upid } = await mapped(() => guestAction(ctx.db, ctx.actor, p.vmid, a.input(p), ctx.ip));
        return upid;
      },
    }),
  ),
  endpoint({
    method: 'DELETE',
    path: '/nodes/{node}/qemu/{vmid}',
    access: perm(['VM.Allocate']),
    params: ZVm.extend({
      purge: zBool.optional(),
      'destroy-unreferenced-disks': zBool.optional(),
      skiplock: zBool.optional(),
    }).strict(),
    /** Deletes the VM and all its volumes (`destroy-unreferenced-disks` is what Horcrux always does); refused while running. */
    handler: async (ctx, p) => {
      await guestOn(ctx, p.node, p.vmid);
      const { upid } = await mapped(() => deleteGuest(ctx.db, ctx.actor, p.vmid, false, ctx.ip));
      return upid;
    },
  }),
];
