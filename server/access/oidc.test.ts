import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { authorizeUrl, pkceChallenge, verifyIdToken, type Jwks } from './oidc';

const now = Math.floor(Date.now() / 1000);
const ISSUER = 'https://idp.test';

function jwt(alg: 'RS256' | 'ES256', key: KeyObject, claims: Record<string, unknown>, kid = 'k1'): string {
  const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const data = `${enc({ alg, kid, typ: 'JWT' })}.${enc(claims)}`;
  const sig = sign('sha256', Buffer.from(data), alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' } : key);
  return `${data}.${sig.toString('base64url')}`;
}

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const jwks: Jwks = {
  keys: [
    { ...rsa.publicKey.export({ format: 'jwk' }), kid: 'k1', use: 'sig', kty: 'RSA' },
    { ...ec.publicKey.export({ format: 'jwk' }), kid: 'e1', kty: 'EC' },
  ],
};
const good = { iss: ISSUER, aud: 'horcrux', sub: 'alice', exp: now + 300, iat: now, nonce: 'n1' };
const expectOk = { issuer: ISSUER, clientId: 'horcrux', nonce: 'n1' };

describe('ID token verification', () => {
  it('accepts RS256 and ES256 tokens from the issuer keys', () => {
    expect(verifyIdToken(jwt('RS256', rsa.privateKey, good), jwks, expectOk).sub).toBe('alice');
    expect(verifyIdToken(jwt('ES256', ec.privateKey, good, 'e1'), jwks, expectOk).sub).toBe('alice');
  });

  it('refuses a forged signature, another issuer, audience, nonce, or an expired token', () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    expect(() => verifyIdToken(jwt('RS256', other.privateKey, good), jwks, expectOk)).toThrow(/signature/);
    expect(() => verifyIdToken(jwt('RS256', rsa.privateKey, { ...good, iss: 'https://evil' }), jwks, expectOk)).toThrow(
      /issuer/,
    );
    expect(() => verifyIdToken(jwt('RS256', rsa.privateKey, { ...good, aud: 'other' }), jwks, expectOk)).toThrow(
      /client/,
    );
    expect(() =>
      verifyIdToken(jwt('RS256', rsa.privateKey, { ...good, aud: ['horcrux', 'x'] }), jwks, expectOk),
    ).toThrow(/party/);
    expect(() => verifyIdToken(jwt('RS256', rsa.privateKey, { ...good, nonce: 'n2' }), jwks, expectOk)).toThrow(
      /nonce/,
    );
    expect(() => verifyIdToken(jwt('RS256', rsa.privateKey, { ...good, exp: now - 3600 }), jwks, expectOk)).toThrow(
      /expired/,
    );
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(good)).toString('base64url')}.`;
    expect(() => verifyIdToken(none, jwks, expectOk)).toThrow(/only RS256 and ES256/);
  });

  it('builds the authorize request with PKCE S256, state and nonce', () => {
    const url = new URL(
      authorizeUrl(
        {
          issuer: ISSUER,
          authorization_endpoint: `${ISSUER}/auth`,
          token_endpoint: `${ISSUER}/token`,
          jwks_uri: `${ISSUER}/jwks`,
        },
        {
          clientId: 'horcrux',
          redirectUri: 'https://console/cb',
          scopes: 'email profile',
          state: 's',
          nonce: 'n',
          verifier: 'v',
        },
      ),
    );
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      response_type: 'code',
      scope: 'openid email profile',
      state: 's',
      nonce: 'n',
      code_challenge: pkceChallenge('v'),
      code_challenge_method: 'S256',
    });
    // RFC 7636 appendix B.
    expect(pkceChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe(
      'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    );
  });
});
