import { decode } from 'next-auth/jwt';
import type { Db } from '@/server/db';
import { validateSession, type Generations } from '@/server/services/access/sessions';
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

type Decoded = { sub?: string; sid?: unknown; expMs: number } | null;
/** Decoded cookies: decryption derives a key (HKDF) per call, and a browser sends the same cookie every time. */
const decoded = new Map<string, Decoded>();
const MAX_DECODED = 10_000;

async function decodeCookie(cookie: string): Promise<Decoded> {
  const hit = decoded.get(cookie);
  if (hit !== undefined && (hit === null || hit.expMs > Date.now())) return hit;
  const token = await decode({ token: cookie, secret: sessionSecret() }).catch(() => null);
  const value: Decoded = token
    ? { sub: token.sub, sid: token.sid, expMs: typeof token.exp === 'number' ? token.exp * 1000 : 0 }
    : null;
  if (decoded.size >= MAX_DECODED) decoded.delete(decoded.keys().next().value!);
  decoded.set(cookie, value);
  return value;
}

/**
 * The actor behind a session cookie, or null when it is missing, forged,
 * expired or revoked. The cookie's decryption is cached; the session row is
 * checked on every request, so a revoked session fails at once. The
 * generations read with it go to `onGenerations`.
 */
export async function actorFromSessionCookie(
  db: Db,
  cookie: string | undefined,
  onGenerations?: (generations: Generations) => void,
): Promise<Actor | null> {
  if (!cookie) return null;
  const token = await decodeCookie(cookie);
  const sid = token?.sid;
  if (typeof sid !== 'string') return null;
  const live = await validateSession(db, sid);
  if (!live || live.userid !== token?.sub) return null;
  onGenerations?.(live.generations);
  return { kind: 'session', userid: live.userid, sessionId: sid };
}
