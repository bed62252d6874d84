import { NextResponse } from 'next/server';
import { clientOf } from '@/server/access/client';
import { consoleOrigin, sessionCookie } from '@/server/access/session-cookie';
import { getDb } from '@/server/db';
import { isAppError } from '@/server/errors';
import { finishOidcLogin } from '@/server/services/access/oidc-login';

const OIDC_COOKIE = 'horcrux.oidc';

function cookieValue(header: string | null, name: string): string | undefined {
  for (const part of header?.split(';') ?? []) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

/** The provider sends the browser back here: a Horcrux session exactly like a password sign-in. */
export async function GET(req: Request): Promise<Response> {
  const origin = consoleOrigin(req.headers);
  const q = new URL(req.url).searchParams;
  try {
    const { userid, sessionId } = await finishOidcLogin(await getDb(), {
      code: q.get('code'),
      state: q.get('state'),
      error: q.get('error'),
      cookie: cookieValue(req.headers.get('cookie'), OIDC_COOKIE),
      redirectUri: `${origin}/api/auth/oidc/callback`,
      client: clientOf(req.headers),
    });
    const res = NextResponse.redirect(`${origin}/datacenter`, 303);
    const session = await sessionCookie(userid, sessionId);
    res.cookies.set(session.name, session.value, session.options);
    res.cookies.set(OIDC_COOKIE, '', { path: '/api/auth/oidc', maxAge: 0 });
    return res;
  } catch (e) {
    const message = isAppError(e) ? e.message : 'sign-in failed';
    if (!isAppError(e)) console.error('OpenID Connect callback failed:', e);
    return NextResponse.redirect(`${origin}/login?error=${encodeURIComponent(message)}`, 303);
  }
}
