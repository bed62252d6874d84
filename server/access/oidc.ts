/**
 * The small part of OpenID Connect a console needs, on Node's fetch and
 * crypto only: discovery, the authorization-code request with PKCE, state and
 * nonce, the token exchange, and the ID token check (RS256/ES256 against the
 * issuer's JWKS; iss, aud, azp, exp, iat, nonce).
 */
import { createHash, createPublicKey, randomBytes, verify, type JsonWebKey } from 'node:crypto';
import { z } from 'zod';

export const ZDiscovery = z.object({
  issuer: z.string(),
  authorization_endpoint: z.url(),
  token_endpoint: z.url(),
  jwks_uri: z.url(),
});
export type Discovery = z.infer<typeof ZDiscovery>;

const TIMEOUT_MS = 10_000;

async function getJson(url: string, init?: RequestInit): Promise<unknown> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS), redirect: 'error' });
  const body: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const detail =
      body && typeof body === 'object' && 'error' in body
        ? String((body as { error: unknown }).error)
        : `HTTP ${res.status}`;
    throw new Error(`${new URL(url).origin} answered ${detail}`);
  }
  return body;
}

/** Fetches `/.well-known/openid-configuration`; its `issuer` must be the configured one exactly. */
export async function discover(issuerUrl: string): Promise<Discovery> {
  const base = issuerUrl.replace(/\/$/, '');
  const doc = ZDiscovery.parse(await getJson(`${base}/.well-known/openid-configuration`));
  if (doc.issuer.replace(/\/$/, '') !== base)
    throw new Error(`the provider calls itself '${doc.issuer}', not '${issuerUrl}'`);
  return doc;
}

const b64url = (buf: Buffer) => buf.toString('base64url');

/** A fresh state, nonce and PKCE verifier for one sign-in attempt. */
export function newLoginSecrets(): { state: string; nonce: string; verifier: string } {
  return { state: b64url(randomBytes(24)), nonce: b64url(randomBytes(24)), verifier: b64url(randomBytes(32)) };
}

export function pkceChallenge(verifier: string): string {
  return b64url(createHash('sha256').update(verifier).digest());
}

export function authorizeUrl(
  d: Discovery,
  p: { clientId: string; redirectUri: string; scopes: string; state: string; nonce: string; verifier: string },
): string {
  const url = new URL(d.authorization_endpoint);
  const scope = ['openid', ...p.scopes.split(/\s+/).filter((s) => s && s !== 'openid')].join(' ');
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: p.clientId,
    redirect_uri: p.redirectUri,
    scope,
    state: p.state,
    nonce: p.nonce,
    code_challenge: pkceChallenge(p.verifier),
    code_challenge_method: 'S256',
  }).toString();
  return url.toString();
}

const ZTokenResponse = z.object({ id_token: z.string(), token_type: z.string().optional() });

/** Exchanges the code (client_secret_basic when there is a secret, else a public client). */
export async function exchangeCode(
  d: Discovery,
  p: { clientId: string; clientSecret?: string; code: string; redirectUri: string; verifier: string },
): Promise<string> {
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    code: p.code,
    redirect_uri: p.redirectUri,
    code_verifier: p.verifier,
  });
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
  };
  if (p.clientSecret) {
    const enc = (s: string) => encodeURIComponent(s);
    headers.authorization = `Basic ${Buffer.from(`${enc(p.clientId)}:${enc(p.clientSecret)}`).toString('base64')}`;
  } else {
    body.set('client_id', p.clientId);
  }
  return ZTokenResponse.parse(await getJson(d.token_endpoint, { method: 'POST', headers, body })).id_token;
}

const ZJwks = z.object({
  keys: z.array(
    z.looseObject({
      kty: z.string(),
      kid: z.string().optional(),
      use: z.string().optional(),
      alg: z.string().optional(),
    }),
  ),
});
export type Jwks = z.infer<typeof ZJwks>;

export async function fetchJwks(d: Discovery): Promise<Jwks> {
  return ZJwks.parse(await getJson(d.jwks_uri));
}

export type IdClaims = Record<string, unknown> & { sub: string };

const ALGS = { RS256: { kty: 'RSA' }, ES256: { kty: 'EC' } } as const;

function decodePart(part: string | undefined): Record<string, unknown> {
  if (!part) throw new Error('the ID token is not a JWT');
  const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('the ID token is not a JWT');
  return value as Record<string, unknown>;
}

/**
 * Verifies an ID token's signature with the issuer's keys and its claims
 * (OpenID Connect Core 3.1.3.7). Throws a message naming what failed.
 */
export function verifyIdToken(
  jwt: string,
  jwks: Jwks,
  expect: { issuer: string; clientId: string; nonce: string; now?: number; skewSeconds?: number },
): IdClaims {
  const [h, p, s] = jwt.split('.');
  const header = decodePart(h);
  const alg = header.alg;
  if (alg !== 'RS256' && alg !== 'ES256')
    throw new Error(`ID token signed with ${String(alg)}: only RS256 and ES256 are accepted`);
  const candidates = jwks.keys.filter(
    (k) =>
      k.kty === ALGS[alg].kty &&
      (k.use === undefined || k.use === 'sig') &&
      (header.kid === undefined || k.kid === header.kid),
  );
  if (candidates.length === 0) throw new Error('no key of the provider matches the ID token');
  const data = Buffer.from(`${h}.${p}`);
  const signature = Buffer.from(s ?? '', 'base64url');
  const valid = candidates.some((jwk) => {
    try {
      const key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
      return verify('sha256', data, alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' } : key, signature);
    } catch {
      return false;
    }
  });
  if (!valid) throw new Error('the ID token signature is invalid');

  const claims = decodePart(p);
  const now = expect.now ?? Math.floor(Date.now() / 1000);
  const skew = expect.skewSeconds ?? 60;
  if (String(claims.iss).replace(/\/$/, '') !== expect.issuer.replace(/\/$/, ''))
    throw new Error('the ID token comes from another issuer');
  const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!aud.includes(expect.clientId)) throw new Error('the ID token is for another client');
  if (aud.length > 1 && claims.azp !== expect.clientId) throw new Error('the ID token was issued to another party');
  if (typeof claims.exp !== 'number' || claims.exp + skew < now) throw new Error('the ID token has expired');
  if (typeof claims.iat === 'number' && claims.iat - skew > now)
    throw new Error('the ID token is issued in the future');
  if (claims.nonce !== expect.nonce) throw new Error('the ID token nonce does not match this sign-in');
  if (typeof claims.sub !== 'string' || claims.sub === '') throw new Error('the ID token has no subject');
  return claims as IdClaims;
}
