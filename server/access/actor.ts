import { decode } from 'next-auth/jwt';
import type { Db } from '@/server/db';
import { validateSession } from '@/server/services/access/sessions';
import { sessionSecret } from './secret';

/**
 * Who is calling: a user through a browser session, or an API token
 * `user@realm!name` (Authorization: PVEAPIToken=...), or an /api2 ticket. `userid` is always the
 * user (for a token, its owner); `tokenid` is the full token id.
 */
export type Actor =
  | { kind: 'session'; userid: string; sessionId: string }
  | { kind: 'token'; userid: string; tokenid: string; privsep: boolean }
  /** A Proxmox-style API ticket (`PVE:user@realm:…`, server/api2/ticket.ts): stateless, valid two hours. */
  | { kind: 'ticket'; userid: string };

/** The name the audit log and messages use: the user id, or the full token id. */
export function actorName(actor: Actor): string {
  return actor.kind === 'token' ? actor.tokenid : actor.userid;
}

/** The session id when the actor is a browser session. */
export function sessionIdOf(actor: Actor): string | undefined {
  return actor.kind === 'session' ? actor.sessionId : undefined;
}

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
