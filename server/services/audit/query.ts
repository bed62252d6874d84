import { z } from 'zod';
import type { Db } from '@/server/db';
import type { Prisma } from '@/server/generated/prisma/client';

export const ZAuditFilter = z.object({
  actor: z.string().trim().max(200).optional(),
  action: z.string().trim().max(100).optional(),
  result: z.enum(['ok', 'error']).optional(),
  from: z.date().optional(),
  to: z.date().optional(),
  /** Events older than this id (the last id of the previous page). */
  before: z
    .string()
    .regex(/^\d{1,20}$/, 'before: an event id')
    .optional(),
  limit: z.number().int().min(1).max(1000).default(200),
});
export type AuditFilter = z.infer<typeof ZAuditFilter>;

export const ZAuditRow = z.object({
  id: z.string(),
  at: z.date(),
  actor: z.string(),
  ip: z.string(),
  action: z.string(),
  target: z.string(),
  result: z.string(),
  detail: z.record(z.string(), z.unknown()),
});
export type AuditRow = z.infer<typeof ZAuditRow>;

function whereOf(f: Omit<AuditFilter, 'limit'>): Prisma.AuditEventWhereInput {
  return {
    ...(f.actor ? { actor: { contains: f.actor, mode: 'insensitive' } } : {}),
    ...(f.action ? { action: { startsWith: f.action } } : {}),
    ...(f.result === 'ok' ? { result: 'ok' } : f.result === 'error' ? { result: { startsWith: 'error' } } : {}),
    ...(f.from || f.to ? { at: { ...(f.from ? { gte: f.from } : {}), ...(f.to ? { lte: f.to } : {}) } } : {}),
    ...(f.before ? { id: { lt: BigInt(f.before) } } : {}),
  };
}

/** Newest first, filtered; the audit trail is append-only, so there is no write here. */
export async function queryAudit(db: Db, filter: AuditFilter): Promise<AuditRow[]> {
  const rows = await db.auditEvent.findMany({ where: whereOf(filter), orderBy: { id: 'desc' }, take: filter.limit });
  return rows.map((r) => ({
    id: r.id.toString(),
    at: r.at,
    actor: r.actor,
    ip: r.ip,
    action: r.action,
    target: r.target,
    result: r.result,
    detail:
      r.detail && typeof r.detail === 'object' && !Array.isArray(r.detail) ? (r.detail as Record<string, unknown>) : {},
  }));
}

/** Every matching event as JSON lines, oldest first, in pages so memory stays flat. */
export async function* auditJsonLines(db: Db, filter: Omit<AuditFilter, 'limit' | 'before'>): AsyncGenerator<string> {
  let after: bigint | undefined;
  for (;;) {
    const where = { ...whereOf(filter), ...(after !== undefined ? { id: { gt: after } } : {}) };
    const rows = await db.auditEvent.findMany({ where, orderBy: { id: 'asc' }, take: 500 });
    for (const r of rows) {
      yield `${JSON.stringify({ id: r.id.toString(), at: r.at.toISOString(), actor: r.actor, ip: r.ip, action: r.action, target: r.target, result: r.result, detail: r.detail })}\n`;
    }
    if (rows.length < 500) return;
    after = rows[rows.length - 1]!.id;
  }
}
