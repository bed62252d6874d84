import type { PrismaClient } from '@/server/generated/prisma/client';
import { AppError } from '@/server/errors';
import { verifyPassword } from '@/server/access/password';
import { parseUserid } from '@/server/access/userid';
import { audit } from '@/server/services/audit/audit';
import { createSession } from './sessions';
import { hasSecondFactor, verifySecondFactor } from './tfa';
import { assertNotThrottled, clearUserThrottle, recordLoginFailure, throttleKeys } from './throttle';

type Db = PrismaClient;

export type SignInInput = {
  username: string;
  realm?: string;
  password: string;
  /** A TOTP code or a recovery code, for users with a second factor. */
  otp?: string;
  ip: string;
  userAgent: string;
};

// One message for every credential failure, so that it never tells whether the user exists.
const BAD_CREDENTIALS = 'authentication failure: wrong user name or password';

/**
 * The password was right and the user has a second factor. Shown only after a
 * correct password, so it reveals nothing to someone guessing user names. The
 * login form recognises the prefix and asks for the code.
 */
export const SECOND_FACTOR_REQUIRED =
  'second factor required: enter the code from your authenticator app or a recovery code';
export const SECOND_FACTOR_WRONG = 'second factor required: that code is wrong or was already used';

/**
 * Checks a password sign-in and opens a session. Failures are rate-limited per
 * user and per address, audited, and all look the same to the caller.
 */
export async function signIn(db: Db, input: SignInInput): Promise<{ userid: string; sessionId: string }> {
  const userid = await checkSignIn(db, input);
  const sessionId = await createSession(db, userid, input);
  await audit(db, { actor: userid, ip: input.ip, action: 'auth.sign-in', result: 'ok' });
  return { userid, sessionId };
}

/** A user that exists, is enabled and has not expired: who may hold a session or a ticket. */
export async function userIsUsable(db: Db, userid: string, now = new Date()): Promise<boolean> {
  const u = await db.user.findUnique({ where: { id: userid }, select: { enabled: true, expiresAt: true } });
  return !!u && u.enabled && (!u.expiresAt || u.expiresAt > now);
}

/**
 * Every rule of a password sign-in (throttle, password, account state, second
 * factor, audit of failures) without opening a session; the API's tickets
 * (server/api2) use it. Answers the user id.
 */
export async function checkSignIn(db: Db, input: SignInInput): Promise<string> {
  const userid = input.username.includes('@')
    ? input.username.trim()
    : `${input.username.trim()}@${input.realm ?? 'local'}`;
  const keys = throttleKeys(userid, input.ip);
  await assertNotThrottled(db, keys);

  const parsed = parseUserid(userid);
  const user = parsed
    ? await db.user.findUnique({
        where: { id: userid },
        select: { passwordHash: true, enabled: true, expiresAt: true, realm: { select: { type: true } } },
      })
    : null;
  const passwordOk = await verifyPassword(user?.realm.type === 'local' ? user.passwordHash : null, input.password);
  const usable = user && user.enabled && (!user.expiresAt || user.expiresAt > new Date());

  if (!passwordOk || !usable) {
    await recordLoginFailure(db, keys);
    const reason = !user ? 'unknown user' : !passwordOk ? 'wrong password' : 'account disabled or expired';
    await audit(db, { actor: userid.slice(0, 128), ip: input.ip, action: 'auth.sign-in', result: { error: reason } });
    throw new AppError('UNAUTHENTICATED', BAD_CREDENTIALS);
  }

  if (await hasSecondFactor(db, userid)) {
    const otp = input.otp?.trim() ?? '';
    if (otp === '') {
      await audit(db, {
        actor: userid,
        ip: input.ip,
        action: 'auth.sign-in',
        result: { error: 'second factor required' },
      });
      throw new AppError('UNAUTHENTICATED', SECOND_FACTOR_REQUIRED);
    }
    const used = await verifySecondFactor(db, userid, otp);
    if (!used) {
      // A wrong code counts like a wrong password: guessing six digits must be throttled.
      await recordLoginFailure(db, keys);
      await audit(db, {
        actor: userid,
        ip: input.ip,
        action: 'auth.sign-in',
        result: { error: 'wrong second factor' },
      });
      throw new AppError('UNAUTHENTICATED', SECOND_FACTOR_WRONG);
    }
    if (used === 'recovery')
      await audit(db, { actor: userid, ip: input.ip, action: 'tfa.recovery.used', target: userid, result: 'ok' });
  }

  await clearUserThrottle(db, keys);
  return userid;
}
