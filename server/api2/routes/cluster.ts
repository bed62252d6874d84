import { z } from 'zod';
import { ZNodeName } from '@/agent/contract/common';
import { parseUpid } from '@/agent/contract/tasks';
import type { Storage } from '@/agent/contract/storage';
import { listPools } from '@/server/services/access/pools';
import { listGuests, nextVmid, type GuestRow } from '@/server/services/guests/guests';
import { listNodes, type NodeRow } from '@/server/services/nodes/nodes';
import { removeNode } from '@/server/services/nodes/remove';
import { latestAll } from '@/server/services/metrics/query';
import type { Db } from '@/server/db';
import { listStorages } from '@/server/services/nodes/storage';
import { paramErrorOf, toApiError } from '../errors';
import { zInt } from '../params';
import { endpoint, type Ctx } from '../types';

/** The Proxmox VE release whose API this one follows (clients branch on it). */
export const PVE_VERSION = { version: '8.2.4', release: '8.2', repoid: 'horcrux' };

const MiB = 1024 * 1024;

/** A guest's lock as Proxmox names it: only the create placeholder maps onto one. */
function lockOf(g: GuestRow): string | undefined {
  if (g.lock === 'create') return 'create';
  return g.lock && parseUpid(g.lock)?.type === 'qmcreate' ? 'create' : undefined;
}

/** A guest's newest CPU (CPUs busy) and memory (bytes) sample, from the metrics of the last minute. */
export type GuestUsage = { cpu: number; mem: number };

/** The newest usage sample of every guest (or of guest `vmid`) that reported one within the last minute. */
export async function guestUsage(db: Db, vmid?: number): Promise<Map<number, GuestUsage>> {
  const rows = await latestAll(db, 'guest', undefined, vmid);
  return new Map(rows.map((r) => [Number(r.vmid), { cpu: Number(r.cpu ?? 0), mem: Number(r.mem ?? 0) }]));
}

/**
 * A guest as Proxmox lists it. `cpu` is the share of its vCPUs in use (0–1) and
 * `mem` its resident memory, from the newest metrics sample (0 without one);
 * the traffic counters stay 0: Horcrux keeps rates, not Proxmox's totals.
 */
export function vmResource(g: GuestRow, usage?: GuestUsage) {
  const lock = lockOf(g);
  const uptime = g.startedAt ? Math.max(0, Math.floor((Date.now() - g.startedAt.getTime()) / 1000)) : 0;
  const config = 'cores' in g.config ? g.config : null;
  const maxcpu = config ? config.cores * config.sockets : 0;
  const running = g.status === 'running' || g.status === 'paused';
  return {
    id: `qemu/${g.vmid}`,
    type: 'qemu',
    vmid: g.vmid,
    node: g.node,
    name: g.name,
    status: g.status,
    template: 0,
    cpu: running && usage && maxcpu ? Math.min(1, usage.cpu / maxcpu) : 0,
    maxcpu,
    mem: running && usage ? Math.round(usage.mem) : 0,
    maxmem: config ? config.memoryMiB * MiB : 0,
    disk: 0,
    maxdisk: 0,
    uptime,
    netin: 0,
    netout: 0,
    diskread: 0,
    diskwrite: 0,
    ...(lock ? { lock } : {}),
    ...(config?.tags?.length ? { tags: config.tags.join(';') } : {}),
  };
}

export function nodeResource(n: NodeRow) {
  const f = n.facts;
  return {
    id: `node/${n.name}`,
    type: 'node',
    node: n.name,
    status: n.status,
    level: '',
    cpu: f ? Math.min(1, f.cpu.loadAverage[0] / Math.max(1, f.cpu.count)) : 0,
    maxcpu: f?.cpu.count ?? 0,
    mem: f ? f.memory.totalBytes - f.memory.freeBytes : 0,
    maxmem: f?.memory.totalBytes ?? 0,
    disk: 0,
    maxdisk: 0,
    uptime: n.status === 'online' ? (f?.uptimeSeconds ?? 0) : 0,
  };
}

function storageResource(node: string, s: Storage) {
  return {
    id: `storage/${node}/${s.id}`,
    type: 'storage',
    storage: s.id,
    node,
    status: 'available',
    plugintype: s.type,
    content: s.content.join(','),
    shared: 0,
    disk: s.usedBytes,
    maxdisk: s.totalBytes,
  };
}

/** Storages of every online node the caller may see, per node; an unreachable node is skipped. */
export async function storagesByNode(ctx: Ctx): Promise<{ node: string; storage: Storage }[]> {
  const nodes = (await listNodes(ctx.db, ctx.perms)).filter((n) => n.status === 'online');
  const lists = await Promise.all(
    nodes.map(async (n) =>
      (await listStorages(ctx.db, ctx.actor, ctx.perms, n.name).catch(() => [])).map((storage) => ({
        node: n.name,
        storage,
      })),
    ),
  );
  return lists.flat();
}

export const clusterEndpoints = [
  endpoint({
    method: 'GET',
    path: '/version',
    access: { kind: 'authenticated', why: 'any signed-in caller (Proxmox: all users)' },
    params: z.object({}).strict(),
    handler: () => Promise.resolve(PVE_VERSION),
  }),
  endpoint({
    method: 'GET',
    path: '/nodes',
    access: { kind: 'authenticated', why: 'filtered: nodes with Sys.Audit' },
    params: z.object({}).strict(),
    handler: async (ctx) => (await listNodes(ctx.db, ctx.perms)).map(nodeResource),
  }),
  endpoint({
    method: 'GET',
    path: '/cluster/resources',
    access: {
      kind: 'authenticated',
      why: 'filtered: guests with VM.Audit, nodes with Sys.Audit, storages with Datastore.Audit',
    },
    params: z.object({ type: z.enum(['vm', 'storage', 'node', 'sdn', 'pool']).optional() }).strict(),
    handler: async (ctx, p) => {
      const out: object[] = [];
      if (!p.type || p.type === 'node') out.push(...(await listNodes(ctx.db, ctx.perms)).map(nodeResource));
      if (!p.type || p.type === 'vm') {
        const [guests, usage] = await Promise.all([listGuests(ctx.db, ctx.perms), guestUsage(ctx.db)]);
        out.push(...guests.map((g) => vmResource(g, usage.get(g.vmid))));
      }
      if (!p.type || p.type === 'storage')
        out.push(...(await storagesByNode(ctx)).map((x) => storageResource(x.node, x.storage)));
      if (!p.type || p.type === 'pool')
        out.push(
          ...(await listPools(ctx.db, ctx.perms)).map((x) => ({ id: `pool/${x.pool}`, type: 'pool', pool: x.pool })),
        );
      return out;
    },
  }),
  endpoint({
    method: 'DELETE',
    path: '/cluster/config/nodes/{node}',
    // Proxmox: root@pam only. Horcrux: Sys.Modify on /, as its console's Remove.
    access: { kind: 'check', check: { test: 'perm', path: '/', privileges: ['Sys.Modify'], any: false } },
    params: z.object({ node: ZNodeName }).strict(),
    /** `pvecm delnode`: refused while the node holds guests (node.remove). */
    handler: async (ctx, p) => {
      try {
        await removeNode(ctx.db, { actor: ctx.actor, ip: ctx.ip }, { node: p.node });
      } catch (e) {
        throw toApiError(e);
      }
      return null;
    },
  }),
  endpoint({
    method: 'GET',
    path: '/cluster/nextid',
    access: { kind: 'authenticated', why: 'any signed-in caller (Proxmox: all users)' },
    params: z.object({ vmid: zInt(100, 999_999_999).optional() }).strict(),
    /** A JSON string, as Proxmox answers; `vmid` asks whether that id is free. */
    handler: async (ctx, p) => {
      if (p.vmid !== undefined) {
        const taken = await ctx.db.guest.findUnique({ where: { vmid: p.vmid }, select: { vmid: true } });
        if (taken) throw paramErrorOf('vmid', `VM ${p.vmid} already exists`);
        return String(p.vmid);
      }
      return String(await nextVmid(ctx.db));
    },
  }),
  endpoint({
    method: 'GET',
    path: '/storage',
    access: { kind: 'authenticated', why: 'filtered: storages with Datastore.Audit or Datastore.AllocateSpace' },
    params: z.object({ type: z.string().optional() }).strict(),
    handler: async (ctx, p) => {
      const seen = new Map<string, { storage: string; type: string; content: string; nodes: string[] }>();
      for (const { node, storage } of await storagesByNode(ctx)) {
        if (p.type && storage.type !== p.type) continue;
        const row = seen.get(storage.id) ?? {
          storage: storage.id,
          type: storage.type,
          content: storage.content.join(','),
          nodes: [],
        };
        row.nodes.push(node);
        seen.set(storage.id, row);
      }
      return [...seen.values()].map(({ nodes, ...r }) => ({ ...r, nodes: nodes.join(','), shared: 0, digest: '' }));
    },
  }),
  endpoint({
    method: 'GET',
    path: '/pools',
    access: { kind: 'authenticated', why: 'filtered: pools with Pool.Audit' },
    params: z.object({ poolid: z.string().optional(), type: z.string().optional() }).strict(),
    handler: async (ctx, p) =>
      (await listPools(ctx.db, ctx.perms))
        .filter((x) => !p.poolid || x.pool === p.poolid)
        .map((x) => ({ poolid: x.pool, ...(x.comment ? { comment: x.comment } : {}) })),
  }),
];
