import { actorName } from '@/server/access/actor';
import { normalizeTokenAuthorization } from '@/server/access/token-authorization';
import { getDb } from '@/server/db';
import { isAppError } from '@/server/errors';
import { actorFromTokenHeader } from '@/server/services/access/tokens';
import { loadPermissions } from '@/server/services/access/permissions';
import { prometheusMetrics } from '@/server/services/metrics/prometheus';

export const dynamic = 'force-dynamic';

function text(status: number, message: string, headers: Record<string, string> = {}): Response {
  return new Response(`${message}\n`, { status, headers: { 'content-type': 'text/plain; charset=utf-8', ...headers } });
}

/**
 * Prometheus exposition of nodes, guests, storages and tasks. Needs an API
 * token with Sys.Audit on / (`Authorization: PVEAPIToken=user@realm!id=secret`,
 * or `Bearer user@realm!id=secret` from Prometheus's `authorization` setting);
 * guests appear only where the token has VM.Audit.
 */
export async function GET(req: Request): Promise<Response> {
  const header = req.headers.get('authorization');
  const challenge = { 'www-authenticate': 'Bearer realm="horcrux"' };
  if (!header) return text(401, 'an API token is required: Authorization: PVEAPIToken=user@realm!id=secret', challenge);
  const db = await getDb();
  let actor;
  try {
    actor = await actorFromTokenHeader(db, normalizeTokenAuthorization(header));
  } catch (e) {
    if (isAppError(e)) return text(401, e.message, challenge);
    throw e;
  }
  const perms = await loadPermissions(db, actor);
  if (!perms.has('Sys.Audit', '/'))
    return text(403, `permission check failed: ${actorName(actor)} lacks Sys.Audit on /`);
  return new Response(await prometheusMetrics(db, perms), {
    headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' },
  });
}
