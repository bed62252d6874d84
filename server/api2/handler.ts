import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { actorName } from '@/server/access/actor';
import { evaluateCheck } from '@/server/access/check';
import { clientOf } from '@/server/access/client';
import type { Db } from '@/server/db';
import { groupsOfUser, loadPermissions } from '@/server/services/access/permissions';
import { actorOfRequest } from './auth';
import { sendData, sendError } from './envelope';
import { ApiError, fromZod, toApiError } from './errors';
import { requestParams } from './params';
import { route } from './router';
import type { Ctx } from './types';

export const API_PREFIX = '/api2/json';

/** Whether a request belongs to the Proxmox-compatible API (server/main.ts dispatches on it). */
export function isApi2Request(url: string | undefined): boolean {
  return !!url && (url === API_PREFIX || url.startsWith(`${API_PREFIX}/`) || url.startsWith(`${API_PREFIX}?`));
}

function segmentsOf(pathname: string): string[] {
  return pathname
    .slice(API_PREFIX.length)
    .split('/')
    .filter((s) => s !== '')
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        throw new ApiError(400, `malformed path segment '${s}'`);
      }
    });
}

/**
 * Serves one /api2/json request: authenticate, match the endpoint, check its
 * declared privilege (before the parameters are validated, so a caller without
 * rights learns nothing from validation errors), validate, call the handler.
 */
export async function handleApi2(db: Db, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const segments = segmentsOf(url.pathname);
    const method = (req.method ?? 'GET').toUpperCase();
    const match = route(method, segments);
    if ('notFound' in match)
      throw new ApiError(404, `no such resource '${url.pathname.slice(API_PREFIX.length) || '/'}'`);
    if ('methods' in match)
      throw new ApiError(501, `Method '${method} ${url.pathname.slice(API_PREFIX.length)}' not implemented`);
    const { endpoint, pathParams } = match;

    const actor = await actorOfRequest(db, req);
    const client = clientOf(req.headers);
    client.ip ||= req.socket.remoteAddress ?? '';
    const raw = { ...(await requestParams(req, url, endpoint.rawBody === true)), ...pathParams };

    if (endpoint.access.kind === 'public') {
      const parsed = endpoint.params.safeParse(raw);
      if (!parsed.success) throw fromZod(parsed.error);
      const data = await endpoint.publicHandler!({ db, actor, req, ...client }, parsed.data);
      sendData(res, data);
      return;
    }
    if (!actor) throw new ApiError(401, 'No ticket');
    const perms = await loadPermissions(db, actor);
    if (endpoint.access.kind === 'check') {
      const env = {
        actor: { userid: actor.userid, isToken: actor.kind === 'token' },
        has: perms.has,
        groupsOf: (userid: string) => groupsOfUser(db, userid),
      };
      const denial = await evaluateCheck(endpoint.access.check, env, raw);
      if (denial) throw new ApiError(403, `Permission check failed (${actorName(actor)} lacks ${denial.missing})`);
    }
    const parsed = endpoint.params.safeParse(raw);
    if (!parsed.success) throw fromZod(parsed.error);
    const ctx: Ctx = { db, actor, perms, req, ...client };
    sendData(res, await endpoint.handler(ctx, parsed.data));
  } catch (e) {
    // Drain what the client still sends, so the error reaches it on a kept-alive connection.
    req.resume();
    sendError(res, toApiError(e));
  }
}

export const ZNoParams = z.object({}).strict();
