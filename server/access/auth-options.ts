import type { AuthOptions } from 'next-auth';
import Credentials from 'next-auth/providers/credentials';
import { z } from 'zod';
import { getDb } from '@/server/db';
import { env } from '@/server/env';
import { isAppError } from '@/server/errors';
import { revokeSession, SESSION_MAX_MS } from '@/server/services/access/sessions';
import { signIn } from '@/server/services/access/sign-in';
import { clientOf } from './client';
import { sessionSecret } from './secret';

/** The session cookie: a next-auth JWT that carries only the user id and our session id. */
export const SESSION_COOKIE = 'horcrux.session';

const ZCredentials = z.object({
  username: z.string().trim().min(1, 'enter a user name').max(200),
  password: z.string().min(1, 'enter a password').max(256),
  realm: z.string().max(32).optional(),
  otp: z
    .string()
    .trim()
    .max(64, 'a code has at most 64 characters')
    .optional()
    .transform((v) => v || undefined),
});

export function authOptions(): AuthOptions {
  return {
    secret: sessionSecret(),
    session: { strategy: 'jwt', maxAge: SESSION_MAX_MS / 1000 },
    pages: { signIn: '/login', error: '/login' },
    cookies: {
      sessionToken: {
        name: SESSION_COOKIE,
        options: { httpOnly: true, sameSite: 'lax', path: '/', secure: !env().HORCRUX_HTTP },
      },
    },
    providers: [
      Credentials({
        name: 'password',
        credentials: {
          username: { type: 'text' },
          password: { type: 'password' },
          realm: { type: 'text' },
          otp: { type: 'text' },
        },
        async authorize(raw, req) {
          const parsed = ZCredentials.safeParse(raw);
          if (!parsed.success) throw new Error(parsed.error.issues[0]?.message ?? 'invalid sign-in form');
          try {
            const { userid, sessionId } = await signIn(await getDb(), {
              ...parsed.data,
              ...clientOf(req.headers ?? {}),
            });
            return { id: userid, sid: sessionId };
          } catch (e) {
            if (isAppError(e)) throw new Error(e.message);
            throw e;
          }
        },
      }),
    ],
    callbacks: {
      jwt({ token, user }) {
        if (user && 'sid' in user && typeof user.sid === 'string') token.sid = user.sid;
        return token;
      },
    },
    events: {
      async signOut({ token }) {
        if (typeof token?.sid === 'string') await revokeSession(await getDb(), token.sid).catch(() => undefined);
      },
    },
  };
}
