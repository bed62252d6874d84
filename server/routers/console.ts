import { z } from 'zod';
import { ZVmid } from '@/agent/contract/common';
import { ZConsoleKind } from '@/agent/contract/console';
import { issueTicket } from '@/server/services/console/tickets';
import { guardedProcedure, router } from '@/server/trpc';

export const consoleRouter = router({
  /**
   * A single-use ticket, valid for seconds, for one console (VNC or serial) of
   * one guest; the browser opens `path?ticket=` as a websocket at once.
   */
  ticket: guardedProcedure('VM.Console', '/vms/{vmid}')
    .input(z.object({ vmid: ZVmid, kind: ZConsoleKind }))
    .output(z.object({ ticket: z.string(), expiresAt: z.date(), path: z.string() }))
    .mutation(({ ctx, input }) => issueTicket(ctx.db, ctx.actor, input)),
});
