import { TRPCError } from '@trpc/server';
import { ZodError } from 'zod';
import type { Actor } from '@/server/access/actor';
import type { Db } from '@/server/db';
import { AppError } from '@/server/errors';
import { appRouter } from '@/server/routers/_app';
import { createCallerFactory } from '@/server/trpc';

const factory = createCallerFactory(appRouter);

/** Calls procedures as `actor` (null: anonymous), exactly as the HTTP handler would. */
export function callerFor(db: Db, actor: Actor | null, ip = '127.0.0.1') {
  return factory({ db, actor, client: { ip, userAgent: 'vitest' } });
}

/** A session actor for `userid`, with a made-up session id (procedures do not re-check it). */
export function sessionActor(userid: string): Actor {
  return { kind: 'session', userid, sessionId: `test-session-${userid}` };
}

/** Polls `task.log` as the task viewer does, until the task is no longer running; its log. */
export async function taskDone(db: Db, upid: string, options: { userid?: string; timeoutMs?: number } = {}) {
  const { userid = 'admin@local', timeoutMs = 120_000 } = options;
  const caller = callerFor(db, sessionActor(userid));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const log = await caller.task.log({ upid });
    if (log.status !== 'running') return log;
    if (Date.now() > deadline) throw new Error(`task ${upid} still running after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The error a call is refused with (the tRPC error a browser would get); fails on success. */
export async function refusal(p: Promise<unknown>): Promise<TRPCError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof TRPCError) return e;
    throw e;
  }
  throw new Error('expected a refusal, got success');
}

/** The input field a refusal names: from the schema's issue, or the service's AppError. */
export function fieldOf(e: TRPCError): string | undefined {
  if (e.cause instanceof ZodError) return e.cause.issues[0]?.path.join('.');
  if (e.cause instanceof AppError) return e.cause.field;
  return undefined;
}
