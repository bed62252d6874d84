import { z } from 'zod';
import { listRealms } from '@/server/services/access/realms';
import { authedProcedure, publicProcedure, router } from '@/server/trpc';

export const authRouter = router({
  /** Realms offered by the sign-in form. */
  realms: publicProcedure
    .output(z.array(z.object({ id: z.string(), type: z.string(), comment: z.string(), isDefault: z.boolean() })))
    .query(({ ctx }) => listRealms(ctx.db)),

  /** The signed-in user and what the shell may offer them. */
  me: authedProcedure
    .output(z.object({ userid: z.string(), can: z.object({ manageUsers: z.boolean(), audit: z.boolean() }) }))
    .query(({ ctx }) => ({
      userid: ctx.actor.userid,
      can: { manageUsers: ctx.perms.has('User.Modify', '/access'), audit: ctx.perms.has('Sys.Audit', '/') },
    })),
});
