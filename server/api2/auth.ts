import type { IncomingMessage } from 'node:http';
import type { Actor } from '@/server/access/actor';
import type { Db } from '@/server/db';
import { isAppError } from '@/server/errors';
import { userIsUsable } from '@/server/services/access/sign-in';
import { actorFromTokenHeader } from '@/server/services/access/tokens';
import { ApiError } from './errors';
import { verifyCsrfToken, verifyTicket } from './ticket';

export const TICKET_COOKIE = 'PVEAuthCookie';

function cookie(header: string | undefined, name: string): string | undefined {
  for (const part of header?.split(';') ?? []) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/**
 * The caller of an /api2 request, as Proxmox authenticates: an API token
 * (`Authorization: PVEAPIToken=…`, no CSRF token needed), or a ticket in the
 * `PVEAuthCookie` cookie or `Authorization: PVEAuthCookie=…`, with the
 * `CSRFPreventionToken` header on every write. Null when none is presented.
 */
export async function actorOfRequest(db: Db, req: IncomingMessage): Promise<Actor | null> {
  const authorization = req.headers.authorization?.trim();
  if (authorization?.startsWith('PVEAPIToken')) {
    try {
      return await actorFromTokenHeader(db, authorization);
    } catch (e) {
      if (isAppError(e)) throw new ApiError(401, e.message);
      throw e;
    }
  }
  const fromHeader = authorization?.startsWith(`${TICKET_COOKIE}=`)
    ? authorization.slice(TICKET_COOKIE.length + 1)
    : undefined;
  if (authorization !== undefined && fromHeader === undefined)
    throw new ApiError(
      401,
      'authentication failure: unknown Authorization scheme (use PVEAPIToken= or PVEAuthCookie=)',
    );
  const ticket = fromHeader ?? cookie(req.headers.cookie, TICKET_COOKIE);
  if (ticket === undefined) return null;
  const userid = verifyTicket(ticket);
  if (!userid || !(await userIsUsable(db, userid)))
    throw new ApiError(401, 'authentication failure: invalid PVE ticket');
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    const csrf = req.headers.csrfpreventiontoken;
    const token = Array.isArray(csrf) ? csrf[0] : csrf;
    if (!token || !verifyCsrfToken(token, userid)) throw new ApiError(401, 'Permission denied - invalid csrf token');
  }
  return { kind: 'ticket', userid };
}
