import { z } from 'zod';
import { grantAcl, listAcl, revokeAcl, ZAclGrant, ZAclRevoke, ZAclRow } from '@/server/services/access/acl';
import { byOf } from '@/server/services/access/by';
import { authedProcedure, checkedProcedure, router } from '@/server/trpc';

const ZOk = z.object({ ok: z.literal(true) });

export const aclRouter = router({
  /** Entries where the caller may change permissions, or all with Sys.Audit on /access: filtered in the service. */
  list: authedProcedure.output(z.array(ZAclRow)).query(({ ctx }) => listAcl(ctx.db, ctx.perms)),

  /** `PUT /access/acl`: Permissions.Modify on the path (or VM/Datastore/Pool.Allocate on a guest, storage or pool). */
  grant: checkedProcedure({ test: 'perm-modify' })
    .input(ZAclGrant)
    .output(ZOk)
    .mutation(({ ctx, input }) => grantAcl(ctx.db, byOf(ctx), input)),

  revoke: checkedProcedure({ test: 'perm-modify' })
    .input(ZAclRevoke)
    .output(ZOk)
    .mutation(({ ctx, input }) => revokeAcl(ctx.db, byOf(ctx), input)),
});
