import { z } from 'zod';
import { clusterInfo, resourceTreeJson } from '@/server/services/cluster/resources';
import { authedProcedure, router } from '@/server/trpc';

export const clusterRouter = router({
  /** The cluster's name and the caller's datacenter-level rights. */
  info: authedProcedure
    .output(
      z.object({
        name: z.string(),
        can: z.object({ audit: z.boolean(), createVm: z.boolean(), addNode: z.boolean() }),
      }),
    )
    .query(({ ctx }) => clusterInfo(ctx.db, ctx.perms, ctx.generations?.state)),

  /**
   * The left-pane tree, filtered to what the caller may see, as JSON text
   * (read with `parseResourceTree`): built once per change and sent as is, because
   * walking ten thousand guests per request is what made it slow.
   */
  resources: authedProcedure
    .output(z.string())
    .query(({ ctx }) => resourceTreeJson(ctx.db, ctx.perms, ctx.generations?.state)),
});
