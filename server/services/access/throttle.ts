import type { PrismaClient } from '@/server/generated/prisma/client';
import { AppError } from '@/server/errors';

type Db = PrismaClient;

/**
 * Failed sign-ins are counted per user id and per client address within a
 * window; past the limit the key is locked for the lock time. The user limit
 * is counted whether or not the user exists, so a lock says nothing about that.
 */
export const THROTTLE = {
  windowMs: 15 * 60_000,
  lockMs: 15 * 60_000,
  userLimit: 5,
  ipLimit: 20,
} as const;

export function throttleKeys(userid: string, ip: string): { user: string; ip: string } {
  return { user: `user:${userid.toLowerCase()}`, ip: `ip:${ip}` };
}

/** Throws RATE_LIMITED when either key is locked. */
export async function assertNotThrottled(db: Db, keys: { user: string; ip: string }, now = new Date()): Promise<void> {
  const rows = await db.loginThrottle.findMany({
    where: { key: { in: [keys.user, keys.ip] }, lockedUntil: { gt: now } },
    select: { lockedUntil: true },
  });
  const until = rows.reduce<number>((max, r) => Math.max(max, r.lockedUntil?.getTime() ?? 0), 0);
  if (until > 0) {
    const minutes = Math.max(1, Math.ceil((until - now.getTime()) / 60_000));
    throw new AppError(
      'RATE_LIMITED',
      `too many failed sign-in attempts; try again in ${minutes} minute${minutes === 1 ? '' : 's'}`,
    );
  }
}

export async function recordLoginFailure(db: Db, keys: { user: string; ip: string }, now = new Date()): Promise<void> {
  await bump(db, keys.user, THROTTLE.userLimit, now);
  await bump(db, keys.ip, THROTTLE.ipLimit, now);
}

export async function clearUserThrottle(db: Db, keys: { user: string }): Promise<void> {
  await db.loginThrottle.deleteMany({ where: { key: keys.user } });
}

async function bump(db: Db, key: string, limit: number, now: Date): Promise<void> {
  await db.$transaction(async (tx) => {
    const row = await tx.loginThrottle.findUnique({ where: { key } });
    const fresh = !row || now.getTime() - row.windowStart.getTime() > THROTTLE.windowMs;
    const failures = fresh ? 1 : row.failures + 1;
    const lockedUntil = failures >= limit ? new Date(now.getTime() + THROTTLE.lockMs) : null;
    const data = { failures, windowStart: fresh ? now : row.windowStart, lockedUntil };
    await tx.loginThrottle.upsert({ where: { key }, create: { key, ...data }, update: data });
  });
}
