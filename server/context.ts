import { actorFromSessionCookie } from '@/server/access/actor';
import { SESSION_COOKIE } from '@/server/access/auth-options';
import { clientOf } from '@/server/access/client';
import { getDb } from '@/server/db';
import type { Context } from '@/server/trpc';

function cookieValue(header: string | null, name: string): string | undefined {
  for (const part of header?.split(';') ?? []) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

/** The tRPC context of one HTTP request: the database, the caller and their address. */
export async function createHttpContext(req: Request): Promise<Context> {
  const db = await getDb();
  const actor = await actorFromSessionCookie(db, cookieValue(req.headers.get('cookie'), SESSION_COOKIE));
  return { db, actor, client: clientOf(req.headers) };
}
