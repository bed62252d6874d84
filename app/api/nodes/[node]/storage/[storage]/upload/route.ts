import { TRPCError } from '@trpc/server';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { ZNodeName, ZStorageId, ZVolumeName } from '@/agent/contract/common';
import { createHttpContext } from '@/server/context';
import { httpStatusOf, isAppError } from '@/server/errors';
import { loadPermissions } from '@/server/services/access/permissions';
import { uploadIso } from '@/server/services/nodes/storage';

type Params = { params: Promise<{ node: string; storage: string }> };

function fail(status: number, error: string, field?: string): Response {
  return Response.json({ error, field: field ?? null }, { status });
}

/**
 * ISO upload, streamed to the node's agent (a tRPC call cannot carry a body of
 * gigabytes). Same checks as Proxmox's upload: Datastore.AllocateTemplate on
 * /storage/{storage}; the file name and size are validated before any byte moves.
 */
export async function POST(req: Request, { params }: Params): Promise<Response> {
  // A bad API token header makes the context refuse the request outright.
  const ctx = await createHttpContext(req.headers).catch((e: unknown) => {
    if (e instanceof TRPCError && e.code === 'UNAUTHORIZED') return null;
    throw e;
  });
  if (!ctx?.actor)
    return fail(401, ctx ? 'not signed in: sign in first' : 'authentication failure: invalid or expired API token');
  const { node, storage } = await params;
  const filename = new URL(req.url).searchParams.get('filename') ?? '';
  if (!ZNodeName.safeParse(node).success) return fail(400, 'node: invalid', 'node');
  if (!ZStorageId.safeParse(storage).success) return fail(400, 'storage: invalid', 'storage');
  if (!ZVolumeName.safeParse(filename).success || !filename.toLowerCase().endsWith('.iso')) {
    return fail(400, 'filename: must be a plain file name ending in .iso', 'filename');
  }
  const perms = await loadPermissions(ctx.db, ctx.actor);
  if (!perms.has('Datastore.AllocateTemplate', `/storage/${storage}`)) {
    return fail(
      403,
      `permission check failed: ${ctx.actor.userid} lacks Datastore.AllocateTemplate on /storage/${storage}`,
    );
  }
  const size = Number(req.headers.get('content-length'));
  if (!Number.isSafeInteger(size) || size <= 0 || !req.body)
    return fail(411, 'the upload needs a Content-Length and a body');
  try {
    const volume = await uploadIso(ctx.db, ctx.actor, {
      node,
      storage,
      filename,
      size,
      body: Readable.fromWeb(req.body as WebReadableStream<Uint8Array>),
      ip: ctx.client.ip,
    });
    return Response.json({ volume });
  } catch (e) {
    if (isAppError(e)) return fail(httpStatusOf(e.code), e.message, e.field);
    console.error('ISO upload failed:', e);
    return fail(500, 'upload failed; see the console log');
  }
}
