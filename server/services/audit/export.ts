import { z } from 'zod';
import { loadPermissions } from '@/server/services/access/permissions';
import type { Context } from '@/server/trpc';
import { auditJsonLines } from './query';

const ZExportQuery = z.object({
  actor: z.string().max(200).optional(),
  action: z.string().max(100).optional(),
  result: z.enum(['ok', 'error']).optional(),
  from: z.coerce.date().optional(),
  to: z.coerce.date().optional(),
});

function text(status: number, message: string): Response {
  return new Response(`${message}\n`, { status, headers: { 'content-type': 'text/plain; charset=utf-8' } });
}

/**
 * Streams the filtered audit trail as `application/x-ndjson`. The caller needs
 * Sys.Audit on /, as for the tRPC `access.audit.list`.
 */
export async function exportAudit(ctx: Context | null, params: URLSearchParams): Promise<Response> {
  if (!ctx?.actor) return text(401, 'not signed in: sign in first');
  const perms = await loadPermissions(ctx.db, ctx.actor);
  if (!perms.has('Sys.Audit', '/'))
    return text(403, 'permission check failed: Sys.Audit on / is needed to export the audit log');
  const parsed = ZExportQuery.safeParse(Object.fromEntries(params));
  if (!parsed.success) return text(400, parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  const lines = auditJsonLines(ctx.db, parsed.data);
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await lines.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
  });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return new Response(body, {
    headers: {
      'content-type': 'application/x-ndjson; charset=utf-8',
      'content-disposition': `attachment; filename="horcrux-audit-${stamp}.jsonl"`,
    },
  });
}
