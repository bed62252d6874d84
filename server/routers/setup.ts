import { z } from 'zod';
import { hostFacts, ZHostFacts } from '@/server/services/setup/host-facts';
import { completeSetup, setupNeeded, ZSetupInput } from '@/server/services/setup/setup';
import { AppError } from '@/server/errors';
import { publicProcedure, router } from '@/server/trpc';

export const setupRouter = router({
  /** Whether the first-run wizard is still open. */
  status: publicProcedure.output(z.object({ needed: z.boolean() })).query(async ({ ctx }) => ({
    needed: await setupNeeded(ctx.db),
  })),

  /** This host's facts for the wizard; gone once setup is complete. */
  hostFacts: publicProcedure.output(ZHostFacts).query(async ({ ctx }) => {
    if (!(await setupNeeded(ctx.db))) throw new AppError('CONFLICT', 'setup is already complete: sign in instead');
    return hostFacts();
  }),

  complete: publicProcedure
    .input(ZSetupInput)
    .output(z.object({ userid: z.string() }))
    .mutation(({ ctx, input }) => completeSetup(ctx.db, input, ctx.client)),
});
