import type { Actor } from '@/server/access/actor';
import type { Db } from '@/server/db';
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
