import { explainAccess, ZExplainInput, ZExplanation } from '@/server/services/access/explain';
import { checkedProcedure, router } from '@/server/trpc';

export const permissionsRouter = router({
  /**
   * The effective-permission view. Proxmox's `GET /access/permissions`: one's
   * own (and one's tokens'), or anyone's with Sys.Audit on /access.
   */
  explain: checkedProcedure({
    test: 'or',
    checks: [{ test: 'self' }, { test: 'perm', path: '/access', privileges: ['Sys.Audit'] }],
  })
    .input(ZExplainInput)
    .output(ZExplanation)
    .query(({ ctx, input }) => explainAccess(ctx.db, input)),
});
