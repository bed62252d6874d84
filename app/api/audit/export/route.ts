import { createHttpContext } from '@/server/context';
import { exportAudit } from '@/server/services/audit/export';

/** The audit trail as JSON lines, for the same filters as the UI; Sys.Audit on / (checked in the service). */
export async function GET(req: Request): Promise<Response> {
  const ctx = await createHttpContext(req.headers).catch(() => null);
  return exportAudit(ctx, new URL(req.url).searchParams);
}
