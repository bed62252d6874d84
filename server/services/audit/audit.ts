import type { PrismaClient } from '@/server/generated/prisma/client';

type Db = PrismaClient;

export type AuditInput = {
  actor: string;
  ip?: string;
  action: string;
  target?: string;
  /** "ok" or the error message. */
  result: 'ok' | { error: string };
  detail?: Record<string, string | number | boolean | null>;
};

/** Appends one event to the audit trail. Never pass secrets in `detail`. */
export async function audit(db: Db, e: AuditInput): Promise<void> {
  await db.auditEvent.create({
    data: {
      actor: e.actor,
      ip: e.ip ?? '',
      action: e.action,
      target: e.target ?? '',
      result: e.result === 'ok' ? 'ok' : `error: ${e.result.error}`,
      detail: e.detail ?? {},
    },
  });
}
