import { TRPCError } from '@trpc/server';
import { actorFromSessionCookie, type Actor } from '@/server/access/actor';
import { SESSION_COOKIE } from '@/server/access/auth-options';
import { clientOf, headerOf, type HeaderBag } from '@/server/access/client';
import { getDb, type Db } from '@/server/db';
import { isAppError } from '@/server/errors';
import type { Generations } from '@/server/services/access/sessions';
import { actorFromTokenHeader } from '@/server/services/access/tokens';
import type { Context } from '@/server/trpc';

function cookieValue(header: string, name: string): string | undefined {
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

/**
 * An Authorization header means an API token, and only that: a bad one is
 * refused outright (401) rather than falling back to the cookie or to anonymous.
 */
async function actorOf(db: Db, headers: HeaderBag): Promise<{ actor: Actor | null; generations?: Generations }> {
  const authorization = headerOf(headers, 'authorization');
  if (authorization === null) {
    const cookie = cookieValue(headerOf(headers, 'cookie') ?? '', SESSION_COOKIE);
    let generations: Generations | undefined;
    const actor = await actorFromSessionCookie(db, cookie, (g) => (generations = g));
    return { actor, generations };
  }
  try {
    return { actor: await actorFromTokenHeader(db, authorization) };
  } catch (e) {
    if (isAppError(e)) throw new TRPCError({ code: 'UNAUTHORIZED', message: e.message });
    throw e;
  }
}

/**
 * The tRPC context of one HTTP request, from its headers (a fetch Request's or
 * Node's): the database, the caller and their address.
 */
export async function createHttpContext(headers: HeaderBag, db?: Db): Promise<Context> {
  const database = db ?? (await getDb());
  const { actor, generations } = await actorOf(database, headers);
  return { db: database, actor, client: clientOf(headers), requestScope: {}, generations };
}
