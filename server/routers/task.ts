import { z } from 'zod';
import { recentTasks } from '@/server/services/tasks/tasks';
import { authedProcedure, router } from '@/server/trpc';

const ZTask = z.object({
  upid: z.string(),
  node: z.string(),
  type: z.string(),
  target: z.string(),
  userId: z.string(),
  startedAt: z.date(),
  endedAt: z.date().nullable(),
  status: z.string(),
});

export const taskRouter = router({
  /** Recent tasks for the bottom strip: everyone's with Sys.Audit on /, else the caller's. */
  recent: authedProcedure
    .input(z.object({ limit: z.number().int().min(1).max(500).default(50) }))
    .output(z.array(ZTask))
    .query(({ ctx, input }) => recentTasks(ctx.db, ctx.perms, ctx.actor.userid, input.limit)),
});
