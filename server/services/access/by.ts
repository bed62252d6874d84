import { actorName, type Actor } from '@/server/access/actor';
import type { Db } from '@/server/db';
import { AppError } from '@/server/errors';
import { audit } from '@/server/services/audit/audit';

/** Who asks for a change, and from where: what every audited service call receives. */
export type By = { actor: Actor; ip: string };

type Detail = Record<string, string | number | boolean | null>;

/**
 * Runs a mutation and appends its audit event, "ok" or the error's message;
 * the error is rethrown. `detail` must never hold secrets.
 */
export async function audited<T>(
  db: Db,
  by: By,
  action: string,
  target: string,
  fn: () => Promise<T>,
  detail?: Detail,
): Promise<T> {
  try {
    const result = await fn();
    await audit(db, { actor: actorName(by.actor), ip: by.ip, action, target, result: 'ok', detail });
    return result;
  } catch (e) {
    const message = e instanceof AppError ? e.message : 'internal error';
    await audit(db, {
      actor: actorName(by.actor),
      ip: by.ip,
      action,
      target,
      result: { error: message },
      detail,
    }).catch(() => undefined);
    throw e;
  }
}

/** Prisma's unique-constraint violation, for CONFLICT messages. */
export function isUniqueViolation(e: unknown): boolean {
  return typeof e === 'object' && e !== null && 'code' in e && (e as { code: unknown }).code === 'P2002';
}

/** The `By` of a tRPC call's context. */
export function byOf(ctx: { actor: Actor; client: { ip: string } }): By {
  return { actor: ctx.actor, ip: ctx.client.ip };
}
