import { z } from 'zod';
import { recentTasks, taskLog } from '@/server/services/tasks/tasks';
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
    .query(({ ctx, input }) => recentTasks(ctx.db, ctx.perms, ctx.actor.userid, input.limit, ctx.generations?.tasks)),

  /** A task's status and log lines after `start`, for the live task viewer. */
  log: authedProcedure
    .input(z.object({ upid: z.string().min(10).max(300), start: z.number().int().min(0).default(0) }))
    .output(
      z.object({
        status: z.string(),
        endedAt: z.date().nullable(),
        lines: z.array(z.object({ n: z.number(), t: z.string() })),
        total: z.number(),
        running: z.boolean(),
      }),
    )
    .query(({ ctx, input }) => taskLog(ctx.db, ctx.perms, ctx.actor.userid, input)),
});
