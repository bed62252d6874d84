import { encode } from 'next-auth/jwt';
import { env } from '@/server/env';
import { SESSION_MAX_MS } from '@/server/services/access/sessions';
import { SESSION_COOKIE } from './auth-options';
import { sessionSecret } from './secret';

/**
 * The `Set-Cookie` value next-auth would write after a credentials sign-in,
 * for sign-ins that do not go through next-auth (OpenID Connect callback):
 * the same JWT (sub = user id, sid = our session id), secret, name and maxAge.
 */
export async function sessionCookie(
  userid: string,
  sessionId: string,
): Promise<{
  name: string;
  value: string;
  options: { httpOnly: true; sameSite: 'lax'; path: '/'; maxAge: number; secure: boolean };
}> {
  const maxAge = SESSION_MAX_MS / 1000;
  const value = await encode({ token: { sub: userid, sid: sessionId }, secret: sessionSecret(), maxAge });
  return {
    name: SESSION_COOKIE,
    value,
    options: { httpOnly: true, sameSite: 'lax', path: '/', maxAge, secure: !env().HORCRUX_HTTP },
  };
}

/** The public origin of the console for redirect URIs: HORCRUX_URL, else what main.ts forwarded. */
export function consoleOrigin(headers: Headers): string {
  const configured = env().HORCRUX_URL;
  if (configured) return configured.replace(/\/$/, '');
  const proto = headers.get('x-forwarded-proto') ?? (env().HORCRUX_HTTP ? 'http' : 'https');
  const host = headers.get('x-forwarded-host') ?? headers.get('host') ?? `localhost:${env().HORCRUX_PORT}`;
  return `${proto}://${host}`;
}
