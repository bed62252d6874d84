import { z } from 'zod';
import { byOf } from '@/server/services/access/by';
import {
  changePoolMembers,
  createPool,
  deletePool,
  listPools,
  updatePool,
  ZPoolId,
  ZPoolInput,
  ZPoolMembers,
  ZPoolRow,
} from '@/server/services/access/pools';
import { authedProcedure, guardedProcedure, router } from '@/server/trpc';

const ZDone = z.object({ pool: z.string() });

export const poolsRouter = router({
  /** Pools with Pool.Audit on /pool/{pool}: filtered in the service. */
  list: authedProcedure.output(z.array(ZPoolRow)).query(({ ctx }) => listPools(ctx.db, ctx.perms)),

  create: guardedProcedure('Pool.Allocate', '/pool/{pool}')
    .input(ZPoolInput)
    .output(ZDone)
    .mutation(({ ctx, input }) => createPool(ctx.db, byOf(ctx), input)),

  update: guardedProcedure('Pool.Allocate', '/pool/{pool}')
    .input(ZPoolInput)
    .output(ZDone)
    .mutation(({ ctx, input }) => updatePool(ctx.db, byOf(ctx), input)),

  /** Also needs VM.Allocate on each guest and Datastore.Allocate on each storage moved (checked in the service, as Proxmox does). */
  members: guardedProcedure('Pool.Allocate', '/pool/{pool}')
    .input(ZPoolMembers)
    .output(ZDone)
    .mutation(({ ctx, input }) => changePoolMembers(ctx.db, byOf(ctx), ctx.perms, input)),

  delete: guardedProcedure('Pool.Allocate', '/pool/{pool}')
    .input(z.object({ pool: ZPoolId }))
    .output(ZDone)
    .mutation(({ ctx, input }) => deletePool(ctx.db, byOf(ctx), input.pool)),
});
