import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { z } from 'zod';
import { ZNodeName, ZStorageId, ZVolumeName, parseVolumeId } from '@/agent/contract/common';
import { parseUpid } from '@/agent/contract/tasks';
import { listStorages, listVolumes, uploadIso } from '@/server/services/nodes/storage';
import { nodeTasks, taskLog, taskStatus } from '@/server/services/tasks/tasks';
import { ApiError, paramErrorOf } from '../errors';
import { zBool, zInt } from '../params';
import { endpoint, type Ctx } from '../types';

const ZNode = z.object({ node: ZNodeName });
const ZUpidParam = z
  .string()
  .max(300)
  .refine((s) => parseUpid(s) !== null, 'unable to parse worker upid');

export async function assertNode(ctx: Ctx, node: string): Promise<void> {
  if (!(await ctx.db.node.findUnique({ where: { name: node }, select: { name: true } })))
    throw paramErrorOf('node', `no such node '${node}' (node does not exist in this cluster)`);
}

function upidOnNode(upid: string, node: string): void {
  if (parseUpid(upid)?.node !== node)
    throw new ApiError(500, `no such task '${upid}' on node '${node}' (task does not exist)`);
}

const STORAGE_PRIVS = ['Datastore.Audit', 'Datastore.AllocateSpace'] as const;

function volumeRow(v: Awaited<ReturnType<typeof listVolumes>>[number]) {
  return {
    volid: v.volid,
    content: v.content,
    format: v.format,
    size: v.sizeBytes,
    used: v.usedBytes,
    ctime: 0,
    ...(v.vmid !== null ? { vmid: v.vmid } : {}),
  };
}

export const nodeEndpoints = [
  endpoint({
    method: 'GET',
    path: '/nodes/{node}/tasks',
    access: {
      kind: 'authenticated',
      why: "filtered: the caller's own tasks, or all of the node's with Sys.Audit on /nodes/{node}",
    },
    params: ZNode.extend({
      vmid: zInt(100, 999_999_999).optional(),
      limit: zInt(0, 10_000).optional(),
      start: zInt(0).optional(),
      errors: zBool.optional(),
      source: z.enum(['archive', 'active', 'all']).optional(),
      typefilter: z.string().max(64).optional(),
      userfilter: z.string().max(128).optional(),
    }).strict(),
    handler: async (ctx, p) => {
      await assertNode(ctx, p.node);
      const rows = await nodeTasks(ctx.db, ctx.perms, ctx.actor.userid, {
        node: p.node,
        vmid: p.vmid,
        limit: p.limit || 50,
        start: p.start ?? 0,
        errors: p.errors,
        running: p.source === 'active',
      });
      return rows
        .filter((t) => (!p.typefilter || t.type === p.typefilter) && (!p.userfilter || t.userId.includes(p.userfilter)))
        .map((t) => {
          const u = parseUpid(t.upid);
          return {
            upid: t.upid,
            node: t.node,
            pid: u?.pid ?? 0,
            pstart: u?.pstart ?? 0,
            starttime: Math.floor(t.startedAt.getTime() / 1000),
            type: t.type,
            id: t.target,
            user: t.userId,
            ...(t.status !== 'running'
              ? { status: t.status, endtime: t.endedAt ? Math.floor(t.endedAt.getTime() / 1000) : 0 }
              : {}),
          };
        });
    },
  }),
  endpoint({
    method: 'GET',
    path: '/nodes/{node}/tasks/{upid}/status',
    access: {
      kind: 'authenticated',
      why: "the caller's own task, or Sys.Audit on /nodes/{node} (checked by the task service)",
    },
    params: ZNode.extend({ upid: ZUpidParam }).strict(),
    /** `running` has no exitstatus key; `stopped` has `OK`, `WARNINGS: n` or the error text. */
    handler: async (ctx, p) => {
      upidOnNode(p.upid, p.node);
      const s = await taskStatus(ctx.db, ctx.perms, ctx.actor.userid, p.upid);
      const u = parseUpid(s.upid)!;
      return {
        upid: s.upid,
        node: s.node,
        pid: u.pid,
        pstart: u.pstart,
        starttime: s.startTime,
        type: s.type,
        id: s.id,
        user: s.user,
        status: s.status,
        ...(s.status === 'stopped'
          ? { exitstatus: s.exitStatus?.startsWith('ERROR: ') ? s.exitStatus.slice(7) : (s.exitStatus ?? 'unknown') }
          : {}),
      };
    },
  }),
  endpoint({
    method: 'GET',
    path: '/nodes/{node}/tasks/{upid}/log',
    access: {
      kind: 'authenticated',
      why: "the caller's own task, or Sys.Audit on /nodes/{node} (checked by the task service)",
    },
    params: ZNode.extend({
      upid: ZUpidParam,
      start: zInt(0).optional(),
      limit: zInt(0).optional(),
      download: zBool.optional(),
    }).strict(),
    handler: async (ctx, p) => {
      upidOnNode(p.upid, p.node);
      const log = await taskLog(ctx.db, ctx.perms, ctx.actor.userid, { upid: p.upid, start: p.start ?? 0 });
      const lines = p.limit ? log.lines.slice(0, p.limit) : log.lines;
      return lines.map((l) => ({ n: l.n, t: l.t }));
    },
  }),
  endpoint({
    method: 'GET',
    path: '/nodes/{node}/storage',
    access: { kind: 'authenticated', why: 'filtered: storages with Datastore.Audit or Datastore.AllocateSpace' },
    params: ZNode.extend({
      content: z.string().optional(),
      enabled: zBool.optional(),
      format: zBool.optional(),
      storage: ZStorageId.optional(),
      target: z.string().optional(),
    }).strict(),
    handler: async (ctx, p) => {
      await assertNode(ctx, p.node);
      return (await listStorages(ctx.db, ctx.actor, ctx.perms, p.node))
        .filter(
          (s) =>
            (!p.storage || s.id === p.storage) &&
            (!p.content || p.content.split(',').every((c) => s.content.includes(c as 'iso'))),
        )
        .map((s) => ({
          storage: s.id,
          type: s.type,
          content: s.content.join(','),
          active: 1,
          enabled: 1,
          shared: 0,
          total: s.totalBytes,
          used: s.usedBytes,
          avail: s.availBytes,
          used_fraction: s.totalBytes ? s.usedBytes / s.totalBytes : 0,
        }));
    },
  }),
  endpoint({
    method: 'GET',
    path: '/nodes/{node}/storage/{storage}/content',
    access: {
      kind: 'check',
      check: { test: 'perm', path: '/storage/{storage}', privileges: STORAGE_PRIVS, any: true },
    },
    params: ZNode.extend({
      storage: ZStorageId,
      content: z.enum(['images', 'iso', 'snippets', 'backup', 'vztmpl', 'rootdir']).optional(),
      vmid: zInt(100, 999_999_999).optional(),
    }).strict(),
    handler: async (ctx, p) => {
      await assertNode(ctx, p.node);
      if (p.content === 'vztmpl' || p.content === 'rootdir') return [];
      const vols = await listVolumes(ctx.db, ctx.actor, { node: p.node, storage: p.storage, content: p.content });
      return vols.filter((v) => p.vmid === undefined || v.vmid === p.vmid).map(volumeRow);
    },
  }),
  endpoint({
    method: 'GET',
    path: '/nodes/{node}/storage/{storage}/content/{volume}',
    access: {
      kind: 'check',
      check: { test: 'perm', path: '/storage/{storage}', privileges: STORAGE_PRIVS, any: true },
    },
    params: ZNode.extend({ storage: ZStorageId, volume: z.string().max(300) }).strict(),
    handler: async (ctx, p) => {
      await assertNode(ctx, p.node);
      // Proxmox takes the volume with or without its storage prefix.
      const volid = p.volume.includes(':') ? p.volume : `${p.storage}:${p.volume}`;
      const parsed = parseVolumeId(volid);
      if (!parsed || parsed.storage !== p.storage)
        throw paramErrorOf('volume', `'${p.volume}' is not a volume of storage ${p.storage}`);
      const v = (
        await listVolumes(ctx.db, ctx.actor, { node: p.node, storage: p.storage, content: parsed.content })
      ).find((x) => x.volid === volid);
      if (!v) throw new ApiError(500, `volume '${volid}' does not exist`);
      return { ...volumeRow(v), path: volid };
    },
  }),
  endpoint({
    method: 'POST',
    path: '/nodes/{node}/storage/{storage}/upload',
    access: {
      kind: 'check',
      check: { test: 'perm', path: '/storage/{storage}', privileges: ['Datastore.AllocateTemplate'] },
    },
    params: ZNode.extend({ storage: ZStorageId }).strict(),
    rawBody: true,
    /**
     * Multipart `content=iso`, `filename` and the file, as Proxmox takes it.
     * The body is parsed in memory (the Fetch API's FormData) before it is streamed to the agent.
     */
    handler: async (ctx, p) => {
      await assertNode(ctx, p.node);
      const type = ctx.req.headers['content-type'] ?? '';
      if (!type.toLowerCase().startsWith('multipart/form-data'))
        throw paramErrorOf('filename', 'the upload must be multipart/form-data with content, filename and the file');
      const form = await new Request('http://upload/', {
        method: 'POST',
        headers: { 'content-type': type },
        body: Readable.toWeb(ctx.req) as ReadableStream,
        duplex: 'half',
      } as RequestInit).formData();
      const content = form.get('content');
      if (content !== 'iso')
        throw paramErrorOf('content', `only 'iso' uploads are supported, got '${String(content)}'`);
      const file = form.get('filename');
      if (!file || typeof file === 'string') throw paramErrorOf('filename', 'missing the file part');
      const name = file.name;
      if (!ZVolumeName.safeParse(name).success || !name.toLowerCase().endsWith('.iso'))
        throw paramErrorOf('filename', `'${name}' must be a plain file name ending in .iso`);
      const volume = await uploadIso(ctx.db, ctx.actor, {
        node: p.node,
        storage: p.storage,
        filename: name,
        size: file.size,
        body: Readable.fromWeb(file.stream() as WebReadableStream<Uint8Array>),
        ip: ctx.ip,
      });
      // Proxmox answers with the upload task; the agent's upload is synchronous, so its volume id stands in.
      return volume.volid;
    },
  }),
];
