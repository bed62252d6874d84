import { decode } from 'next-auth/jwt';
import type { Db } from '@/server/db';
import { validateSession } from '@/server/services/access/sessions';
import { sessionSecret } from './secret';

/** Who is calling: a user through a browser session (API tokens come with the access issue). */
export type Actor = { kind: 'session'; userid: string; sessionId: string };

/** The actor behind a session cookie, or null when it is missing, forged, expired or revoked. */
export async function actorFromSessionCookie(db: Db, cookie: string | undefined): Promise<Actor | null> {
  if (!cookie) return null;
  const token = await decode({ token: cookie, secret: sessionSecret() }).catch(() => null);
  const sid = token?.sid;
  if (typeof sid !== 'string') return null;
  const userid = await validateSession(db, sid);
  if (!userid || userid !== token?.sub) return null;
  return { kind: 'session', userid, sessionId: sid };
}
