import { z } from 'zod';
import { byOf } from '@/server/services/access/by';
import {
  createRole,
  deleteRole,
  listRoles,
  updateRole,
  ZRoleId,
  ZRoleInput,
  ZRoleRow,
} from '@/server/services/access/custom-roles';
import { authedProcedure, guardedProcedure, router } from '@/server/trpc';

const ZDone = z.object({ roleid: z.string() });

export const rolesRouter = router({
  /** Every role; anyone signed in may read them (Proxmox: `user => 'all'`). */
  list: authedProcedure.output(z.array(ZRoleRow)).query(({ ctx }) => listRoles(ctx.db, ctx.perms)),

  /** Custom roles need Sys.Modify on /access (Proxmox's `API2::Role`); built-in roles are read-only. */
  create: guardedProcedure('Sys.Modify', '/access')
    .input(ZRoleInput)
    .output(ZDone)
    .mutation(({ ctx, input }) => createRole(ctx.db, byOf(ctx), input)),

  update: guardedProcedure('Sys.Modify', '/access')
    .input(ZRoleInput)
    .output(ZDone)
    .mutation(({ ctx, input }) => updateRole(ctx.db, byOf(ctx), input)),

  delete: guardedProcedure('Sys.Modify', '/access')
    .input(z.object({ roleid: ZRoleId }))
    .output(ZDone)
    .mutation(({ ctx, input }) => deleteRole(ctx.db, byOf(ctx), input.roleid)),
});
