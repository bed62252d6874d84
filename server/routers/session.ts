import { z } from 'zod';
import { sessionIdOf } from '@/server/access/actor';
import { listSessions, revokeSession } from '@/server/services/access/sessions';
import { audit } from '@/server/services/audit/audit';
import { authedProcedure, guardedProcedure, router } from '@/server/trpc';

const ZSession = z.object({
  id: z.string(),
  userId: z.string(),
  createdAt: z.date(),
  lastSeenAt: z.date(),
  expiresAt: z.date(),
  ip: z.string(),
  userAgent: z.string(),
  current: z.boolean(),
});
const ZSessionId = z.object({ id: z.string().min(20).max(100) });

export const sessionRouter = router({
  /** The caller's own live sessions. */
  mine: authedProcedure
    .output(z.array(ZSession))
    .query(({ ctx }) => listSessions(ctx.db, { userId: ctx.actor.userid }, sessionIdOf(ctx.actor))),

  /** Ends one of the caller's own sessions (another browser, a lost laptop). */
  revokeMine: authedProcedure
    .input(ZSessionId)
    .output(z.object({ ok: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      await revokeSession(ctx.db, input.id, ctx.actor.userid);
      await audit(ctx.db, {
        actor: ctx.actor.userid,
        ip: ctx.client.ip,
        action: 'session.revoke',
        target: ctx.actor.userid,
        result: 'ok',
      });
      return { ok: true as const };
    }),

  /** Every live session of every user. */
  all: guardedProcedure('User.Modify', '/access')
    .output(z.array(ZSession))
    .query(({ ctx }) => listSessions(ctx.db, {}, sessionIdOf(ctx.actor))),

  /** Ends any user's session. */
  revoke: guardedProcedure('User.Modify', '/access')
    .input(ZSessionId)
    .output(z.object({ ok: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      const { userId } = await revokeSession(ctx.db, input.id);
      await audit(ctx.db, {
        actor: ctx.actor.userid,
        ip: ctx.client.ip,
        action: 'session.revoke',
        target: userId,
        result: 'ok',
      });
      return { ok: true as const };
    }),
});
