import { z } from 'zod';
import { resourceTree } from '@/server/services/cluster/resources';
import { authedProcedure, router } from '@/server/trpc';

const ZResourceTree = z.object({
  cluster: z.object({
    name: z.string(),
    can: z.object({ audit: z.boolean(), createVm: z.boolean(), addNode: z.boolean() }),
  }),
  nodes: z.array(
    z.object({
      name: z.string(),
      status: z.enum(['online', 'offline']),
      guests: z.array(z.object({ vmid: z.number(), name: z.string(), status: z.string() })),
    }),
  ),
});

export const clusterRouter = router({
  /** The left-pane tree, filtered to what the caller may see. */
  resources: authedProcedure.output(ZResourceTree).query(({ ctx }) => resourceTree(ctx.db, ctx.perms)),
});
