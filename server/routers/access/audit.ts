import { z } from 'zod';
import { queryAudit, ZAuditFilter, ZAuditRow } from '@/server/services/audit/query';
import { guardedProcedure, router } from '@/server/trpc';

export const auditRouter = router({
  /** The audit trail, newest first; export as JSON lines at /api/audit/export. */
  list: guardedProcedure('Sys.Audit', '/')
    .input(ZAuditFilter)
    .output(z.array(ZAuditRow))
    .query(({ ctx, input }) => queryAudit(ctx.db, input)),
});
