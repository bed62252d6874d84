import { randomBytes } from 'node:crypto';
import type { PrismaClient } from '@/server/generated/prisma/client';
import { AppError } from '@/server/errors';

type Db = PrismaClient;

/** A session ends after this much inactivity. */
export const SESSION_IDLE_MS = 12 * 3600_000;
/** ...and at the latest this long after sign-in, whatever the activity. */
export const SESSION_MAX_MS = 7 * 24 * 3600_000;
// lastSeenAt is written at most this often, so that reads do not all write.
const TOUCH_EVERY_MS = 60_000;

export async function createSession(
  db: Db,
  userid: string,
  client: { ip: string; userAgent: string },
): Promise<string> {
  const id = randomBytes(32).toString('base64url');
  await db.session.create({
    data: {
      id,
      userId: userid,
      ip: client.ip,
      userAgent: client.userAgent.slice(0, 300),
      expiresAt: new Date(Date.now() + SESSION_IDLE_MS),
    },
  });
  return id;
}

type SessionCheck = {
  id: string;
  userId: string;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
  enabled: boolean;
  userExpiresAt: Date | null;
  generation: bigint | null;
  state: bigint | null;
  tasks: bigint | null;
};

/** The counters a request reads with its session: the access, state and task generations. */
export type Generations = { access: bigint; state: bigint; tasks: bigint };

type Waiter = { id: string; resolve: (row: SessionCheck | undefined) => void; reject: (error: unknown) => void };
type Batch = { waiting: Waiter[]; running: boolean };
const batches = new WeakMap<Db, Batch>();
/** Sessions looked up by one query at most. */
const MAX_BATCH = 256;

/**
 * The session row (with its user's state and the generations) of `id`.
 * Lookups that arrive while one query is running wait for it and then go
 * together in the next, one query for all of them: under load a single query
 * answers many requests, while every request is still answered by a query
 * that started after it arrived (a revocation or a change committed before
 * the request is always seen).
 */
function sessionRow(db: Db, id: string): Promise<SessionCheck | undefined> {
  let batch = batches.get(db);
  if (!batch) batches.set(db, (batch = { waiting: [], running: false }));
  const b = batch;
  return new Promise((resolve, reject) => {
    b.waiting.push({ id, resolve, reject });
    if (b.running) return;
    b.running = true;
    // After the rest of this event-loop turn: requests read from other sockets in it join the same query.
    setImmediate(() => void lookUp(db, b));
  });
}

async function lookUp(db: Db, b: Batch): Promise<void> {
  while (b.waiting.length > 0) {
    const waiters = b.waiting.splice(0, MAX_BATCH);
    const ids = [...new Set(waiters.map((w) => w.id))];
    try {
      const rows = await db.$queryRaw<SessionCheck[]>`
        SELECT s."id", s."userId", s."createdAt", s."lastSeenAt", s."expiresAt", s."revokedAt", u."enabled",
               u."expiresAt" AS "userExpiresAt", (SELECT "value" FROM "AccessGeneration" WHERE "id" = 1) AS "generation",
               (SELECT "value" FROM "StateGeneration" WHERE "id" = 1) AS "state",
               (SELECT "value" FROM "TaskGeneration" WHERE "id" = 1) AS "tasks"
        FROM "Session" s JOIN "User" u ON u."id" = s."userId" WHERE s."id" = ANY(${ids})`;
      const byId = new Map(rows.map((r) => [r.id, r]));
      for (const w of waiters) w.resolve(byId.get(w.id));
    } catch (error) {
      for (const w of waiters) w.reject(error);
    }
  }
  b.running = false;
}

/**
 * The user id of a live session, or null when the session is unknown, revoked,
 * idle too long, too old, or its user is disabled or expired. Every browser
 * request asks, so the session, the access generation
 * (server/services/access/permissions.ts), the state generation
 * (server/services/cluster/guest-snapshot.ts) and the task generation
 * (server/services/tasks/tasks.ts) come from one raw query, shared
 * by the requests waiting at that moment (sessionRow): the request then need
 * not ask again.
 */
export async function validateSession(
  db: Db,
  id: string,
  now = new Date(),
): Promise<{ userid: string; generations: Generations } | null> {
  const s = await sessionRow(db, id);
  if (!s || s.revokedAt || s.expiresAt <= now) return null;
  if (now.getTime() - s.createdAt.getTime() > SESSION_MAX_MS) return null;
  if (!s.enabled || (s.userExpiresAt && s.userExpiresAt <= now)) return null;
  if (now.getTime() - s.lastSeenAt.getTime() > TOUCH_EVERY_MS) {
    // Requests of one batch share the row: the first of them writes, the others see it written.
    s.lastSeenAt = now;
    await db.session.update({
      where: { id },
      data: { lastSeenAt: now, expiresAt: new Date(now.getTime() + SESSION_IDLE_MS) },
    });
  }
  return {
    userid: s.userId,
    generations: { access: s.generation ?? -1n, state: s.state ?? -1n, tasks: s.tasks ?? -1n },
  };
}

export type SessionRow = {
  id: string;
  userId: string;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
  ip: string;
  userAgent: string;
  current: boolean;
};

/** Live sessions, of one user or of everyone. */
export async function listSessions(db: Db, filter: { userId?: string }, currentId?: string): Promise<SessionRow[]> {
  const rows = await db.session.findMany({
    where: { userId: filter.userId, revokedAt: null, expiresAt: { gt: new Date() } },
    orderBy: { lastSeenAt: 'desc' },
    select: { id: true, userId: true, createdAt: true, lastSeenAt: true, expiresAt: true, ip: true, userAgent: true },
    take: 1000,
  });
  return rows.map((r) => ({ ...r, current: r.id === currentId }));
}

/** Revokes a session; `ownerId` restricts it to that user's sessions. */
export async function revokeSession(db: Db, id: string, ownerId?: string): Promise<{ userId: string }> {
  const s = await db.session.findUnique({ where: { id }, select: { userId: true, revokedAt: true } });
  if (!s || (ownerId && s.userId !== ownerId)) throw new AppError('NOT_FOUND', 'no such session');
  if (!s.revokedAt) await db.session.update({ where: { id }, data: { revokedAt: new Date() } });
  return { userId: s.userId };
}
