import { timingSafeEqual } from 'node:crypto';
import { seal, unseal } from '@/server/access/crypto';
import {
  authorizeUrl,
  discover,
  exchangeCode,
  fetchJwks,
  newLoginSecrets,
  verifyIdToken,
  type IdClaims,
} from '@/server/access/oidc';
import { USERNAME_RE } from '@/server/access/userid';
import type { Db } from '@/server/db';
import { AppError } from '@/server/errors';
import { audit } from '@/server/services/audit/audit';
import { ZOidcConfig, type OidcConfig } from './realms';
import { createSession } from './sessions';

/** How long a sign-in may take at the provider. */
export const OIDC_STATE_TTL_MS = 10 * 60_000;

type Pending = { realm: string; state: string; nonce: string; verifier: string; exp: number };

async function oidcRealm(db: Db, realm: string): Promise<OidcConfig> {
  const r = await db.realm.findUnique({ where: { id: realm }, select: { type: true, config: true } });
  const cfg = r?.type === 'oidc' ? ZOidcConfig.safeParse(r.config) : null;
  if (!cfg?.success) throw new AppError('NOT_FOUND', `no OpenID Connect realm '${realm}'`);
  return cfg.data;
}

/**
 * Starts a sign-in: the provider's authorize URL, and the sealed state (state,
 * nonce, PKCE verifier) for a short-lived cookie that the callback checks.
 */
export async function startOidcLogin(
  db: Db,
  realm: string,
  redirectUri: string,
): Promise<{ url: string; cookie: string }> {
  const cfg = await oidcRealm(db, realm);
  const d = await discover(cfg.issuerUrl).catch((e: unknown) => {
    throw new AppError(
      'AGENT_UNREACHABLE',
      `the identity provider of realm '${realm}' at ${cfg.issuerUrl} did not answer (${e instanceof Error ? e.message : String(e)}); check the issuer URL`,
    );
  });
  const secrets = newLoginSecrets();
  const pending: Pending = { realm, ...secrets, exp: Date.now() + OIDC_STATE_TTL_MS };
  return {
    url: authorizeUrl(d, { clientId: cfg.clientId, redirectUri, scopes: cfg.scopes, ...secrets }),
    cookie: seal('oidc-state', JSON.stringify(pending)),
  };
}

const BAD_STATE = 'sign-in failed: the sign-in request expired or does not match this browser; start again';
const NOT_ALLOWED = 'sign-in failed: this account may not sign in to Horcrux; ask an administrator';

function readPending(cookie: string | undefined, state: string | null): Pending {
  let pending: Pending;
  try {
    pending = JSON.parse(unseal('oidc-state', cookie ?? '')) as Pending;
  } catch {
    throw new AppError('UNAUTHENTICATED', BAD_STATE);
  }
  const a = Buffer.from(pending.state ?? '');
  const b = Buffer.from(state ?? '');
  if (pending.exp < Date.now() || a.length !== b.length || !timingSafeEqual(a, b))
    throw new AppError('UNAUTHENTICATED', BAD_STATE);
  return pending;
}

function claimString(claims: IdClaims, name: string): string {
  const v = claims[name];
  return typeof v === 'string' ? v : '';
}

/** The local user for the claims: found, or created when the realm allows; groups from the group claim added. */
async function userFor(db: Db, realm: string, cfg: OidcConfig, claims: IdClaims): Promise<string> {
  const name = claimString(claims, cfg.usernameClaim);
  if (!USERNAME_RE.test(name)) throw new AppError('UNAUTHENTICATED', NOT_ALLOWED);
  const userid = `${name}@${realm}`;
  const user = await db.user.findUnique({ where: { id: userid }, select: { enabled: true, expiresAt: true } });
  if (!user) {
    if (!cfg.autoCreate) throw new AppError('UNAUTHENTICATED', NOT_ALLOWED);
    await db.user.create({
      data: {
        id: userid,
        name,
        realmId: realm,
        email: claimString(claims, 'email').slice(0, 200),
        firstName: claimString(claims, 'given_name').slice(0, 64),
        lastName: claimString(claims, 'family_name').slice(0, 64),
        comment: 'created at first OpenID Connect sign-in',
      },
    });
  } else if (!user.enabled || (user.expiresAt && user.expiresAt <= new Date())) {
    throw new AppError('UNAUTHENTICATED', NOT_ALLOWED);
  }
  const groups = cfg.groupsClaim ? claims[cfg.groupsClaim] : undefined;
  if (Array.isArray(groups)) {
    const names = groups.filter((g): g is string => typeof g === 'string');
    const existing = await db.group.findMany({ where: { id: { in: names } }, select: { id: true } });
    // Add-only: memberships given by an administrator are not taken away by the provider.
    await db.groupMember.createMany({
      data: existing.map((g) => ({ groupId: g.id, userId: userid })),
      skipDuplicates: true,
    });
  }
  return userid;
}

export type OidcCallback = {
  code: string | null;
  state: string | null;
  error: string | null;
  cookie: string | undefined;
  redirectUri: string;
  client: { ip: string; userAgent: string };
};

/** Finishes a sign-in: state, code exchange, ID token check, user mapping, session, audit. */
export async function finishOidcLogin(db: Db, cb: OidcCallback): Promise<{ userid: string; sessionId: string }> {
  const pending = readPending(cb.cookie, cb.state);
  const who = `?@${pending.realm}`;
  try {
    if (cb.error || !cb.code)
      throw new AppError('UNAUTHENTICATED', `sign-in failed: the identity provider said ${cb.error ?? 'nothing'}`);
    const cfg = await oidcRealm(db, pending.realm);
    const d = await discover(cfg.issuerUrl);
    const clientSecret = cfg.clientSecretSealed ? unseal('oidc-client-secret', cfg.clientSecretSealed) : undefined;
    const idToken = await exchangeCode(d, {
      clientId: cfg.clientId,
      clientSecret,
      code: cb.code,
      redirectUri: cb.redirectUri,
      verifier: pending.verifier,
    });
    let claims: IdClaims;
    try {
      claims = verifyIdToken(idToken, await fetchJwks(d), {
        issuer: d.issuer,
        clientId: cfg.clientId,
        nonce: pending.nonce,
      });
    } catch (e) {
      throw new AppError('UNAUTHENTICATED', `sign-in failed: ${e instanceof Error ? e.message : 'bad ID token'}`);
    }
    const userid = await userFor(db, pending.realm, cfg, claims);
    const sessionId = await createSession(db, userid, cb.client);
    await audit(db, {
      actor: userid,
      ip: cb.client.ip,
      action: 'auth.sign-in',
      result: 'ok',
      detail: { realm: pending.realm, method: 'oidc' },
    });
    return { userid, sessionId };
  } catch (e) {
    const message =
      e instanceof AppError
        ? e.message
        : `sign-in failed: the identity provider could not be reached (${e instanceof Error ? e.message : String(e)})`;
    await audit(db, {
      actor: who,
      ip: cb.client.ip,
      action: 'auth.sign-in',
      result: { error: message },
      detail: { realm: pending.realm, method: 'oidc' },
    });
    throw e instanceof AppError ? e : new AppError('UNAUTHENTICATED', message);
  }
}
