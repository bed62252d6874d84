import { z } from 'zod';
import { byOf } from '@/server/services/access/by';
import {
  createGroup,
  deleteGroup,
  listGroups,
  updateGroup,
  ZGroupInput,
  ZGroupRow,
} from '@/server/services/access/groups';
import { ZGroupId } from '@/server/services/access/users';
import { authedProcedure, guardedProcedure, router } from '@/server/trpc';

const ZDone = z.object({ group: z.string() });

export const groupsRouter = router({
  /** Groups with User.Modify, Sys.Audit or Group.Allocate on /access/groups/{group}: filtered in the service. */
  list: authedProcedure.output(z.array(ZGroupRow)).query(({ ctx }) => listGroups(ctx.db, ctx.perms)),

  /** Proxmox checks Group.Allocate on /access/groups (not on the group) for create, update and delete. */
  create: guardedProcedure('Group.Allocate', '/access/groups')
    .input(ZGroupInput)
    .output(ZDone)
    .mutation(({ ctx, input }) => createGroup(ctx.db, byOf(ctx), input)),

  update: guardedProcedure('Group.Allocate', '/access/groups')
    .input(ZGroupInput)
    .output(ZDone)
    .mutation(({ ctx, input }) => updateGroup(ctx.db, byOf(ctx), input)),

  delete: guardedProcedure('Group.Allocate', '/access/groups')
    .input(z.object({ group: ZGroupId }))
    .output(ZDone)
    .mutation(({ ctx, input }) => deleteGroup(ctx.db, byOf(ctx), input.group)),
});
