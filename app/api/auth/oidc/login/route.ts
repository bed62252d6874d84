import { NextResponse } from 'next/server';
import { consoleOrigin } from '@/server/access/session-cookie';
import { getDb } from '@/server/db';
import { env } from '@/server/env';
import { isAppError } from '@/server/errors';
import { OIDC_STATE_TTL_MS, startOidcLogin } from '@/server/services/access/oidc-login';

const OIDC_COOKIE = 'horcrux.oidc';

/** Sends the browser to the realm's identity provider. */
export async function GET(req: Request): Promise<Response> {
  const origin = consoleOrigin(req.headers);
  const realm = new URL(req.url).searchParams.get('realm') ?? '';
  try {
    const { url, cookie } = await startOidcLogin(await getDb(), realm, `${origin}/api/auth/oidc/callback`);
    const res = NextResponse.redirect(url, 303);
    res.cookies.set(OIDC_COOKIE, cookie, {
      httpOnly: true,
      sameSite: 'lax',
      path: '/api/auth/oidc',
      maxAge: OIDC_STATE_TTL_MS / 1000,
      secure: !env().HORCRUX_HTTP,
    });
    return res;
  } catch (e) {
    const message = isAppError(e) ? e.message : 'sign-in failed';
    return NextResponse.redirect(`${origin}/login?error=${encodeURIComponent(message)}`, 303);
  }
}
