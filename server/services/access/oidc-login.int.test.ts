/**
 * The OpenID Connect client against a scripted provider on 127.0.0.1 that
 * checks what a real one checks (client secret, redirect URI, PKCE S256) and
 * lets the test forge what a real one would not (another nonce). It checks our
 * side of the protocol; the sign-in against a real provider (npm
 * `oidc-provider`, ../shared/PEERS.md) is a separate test.
 */
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '@/server/errors';
import { callerFor, sessionActor } from '@/server/testing/caller';
import { openTestDb, type TestDb } from '@/server/testing/test-db';
import { finishOidcLogin, startOidcLogin } from './oidc-login';
import { validateSession } from './sessions';

process.env.NEXTAUTH_SECRET ??= 'integration-test-secret-integration-test-secret';

const CLIENT = { id: 'horcrux', secret: 'client-secret-123' };
const REDIRECT = 'https://console.test/api/auth/oidc/callback';
const client = { ip: '10.9.9.9', userAgent: 'vitest' };

type Grant = { challenge: string; nonce: string; redirectUri: string; claims: Record<string, unknown> };

function startProvider() {
  const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const grants = new Map<string, Grant>();
  let issuer = '';
  const server = http.createServer((req, res) => {
    const json = (status: number, body: unknown) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (req.url === '/.well-known/openid-configuration') {
      return json(200, {
        issuer,
        authorization_endpoint: `${issuer}/auth`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
      });
    }
    if (req.url === '/jwks')
      return json(200, { keys: [{ ...keys.publicKey.export({ format: 'jwk' }), kid: 'k1', use: 'sig' }] });
    if (req.url === '/token' && req.method === 'POST') {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString()));
      req.on('end', () => {
        const p = new URLSearchParams(raw);
        const basic = Buffer.from(CLIENT.id + ':' + CLIENT.secret).toString('base64');
        if (req.headers.authorization !== `Basic ${basic}`) return json(401, { error: 'invalid_client' });
        const grant = grants.get(p.get('code') ?? '');
        grants.delete(p.get('code') ?? '');
        if (!grant || p.get('redirect_uri') !== grant.redirectUri) return json(400, { error: 'invalid_grant' });
        const challenge = createHash('sha256')
          .update(p.get('code_verifier') ?? '')
          .digest('base64url');
        if (challenge !== grant.challenge) return json(400, { error: 'invalid_grant (PKCE)' });
        const now = Math.floor(Date.now() / 1000);
        const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
        const data = `${enc({ alg: 'RS256', kid: 'k1' })}.${enc({ iss: issuer, aud: CLIENT.id, iat: now, exp: now + 300, nonce: grant.nonce, ...grant.claims })}`;
        const sig = sign('sha256', Buffer.from(data), keys.privateKey).toString('base64url');
        json(200, { id_token: `${data}.${sig}`, token_type: 'Bearer', access_token: 'x' });
      });
      return;
    }
    json(404, { error: 'not_found' });
  });
  return {
    grants,
    async listen(): Promise<string> {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      return issuer;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    return e instanceof AppError ? e.message : String(e);
  }
}

describe('OpenID Connect sign-in', () => {
  let t: TestDb;
  let issuer = '';
  const idp = startProvider();

  /** The browser's round trip: authorize (the provider "logs the user in" with `claims`), then the callback. */
  async function login(
    claims: Record<string, unknown>,
    tamper: { nonce?: string; state?: string; cookie?: string } = {},
  ) {
    const { url, cookie } = await startOidcLogin(t.db, 'corp', REDIRECT);
    const q = new URL(url).searchParams;
    expect(q.get('code_challenge_method')).toBe('S256');
    const code = randomBytes(16).toString('hex');
    idp.grants.set(code, {
      challenge: q.get('code_challenge')!,
      nonce: tamper.nonce ?? q.get('nonce')!,
      redirectUri: q.get('redirect_uri')!,
      claims,
    });
    return finishOidcLogin(t.db, {
      code,
      state: tamper.state ?? q.get('state'),
      error: null,
      cookie: tamper.cookie ?? cookie,
      redirectUri: REDIRECT,
      client,
    });
  }

  beforeAll(async () => {
    issuer = await idp.listen();
    t = await openTestDb('pglite');
    await t.db.realm.create({ data: { id: 'local', type: 'local' } });
    await t.db.user.create({ data: { id: 'root@local', name: 'root', realmId: 'local' } });
    await t.db.aclEntry.create({ data: { path: '/', ugidType: 'user', ugid: 'root@local', roleId: 'Administrator' } });
    await t.db.group.create({ data: { id: 'devs' } });
    await callerFor(t.db, sessionActor('root@local')).access.realms.createOidc({
      realm: 'corp',
      issuerUrl: issuer,
      clientId: CLIENT.id,
      clientSecret: CLIENT.secret,
      usernameClaim: 'preferred_username',
      groupsClaim: 'groups',
      autoCreate: true,
      comment: 'Corp SSO',
    });
  });
  afterAll(async () => {
    await idp.close();
    await t?.close();
  });

  it('keeps the client secret sealed at rest and never returns it', async () => {
    const realm = await t.db.realm.findUniqueOrThrow({ where: { id: 'corp' } });
    expect(JSON.stringify(realm.config)).not.toContain(CLIENT.secret);
    const listed = await callerFor(t.db, sessionActor('root@local')).access.realms.list();
    expect(JSON.stringify(listed)).not.toContain(CLIENT.secret);
    expect(listed.find((r) => r.realm === 'corp')?.oidc?.hasClientSecret).toBe(true);
  });

  it('signs in, creates the user, maps the group claim, opens a session', async () => {
    const r = await login({
      sub: 'u-1',
      preferred_username: 'carol',
      email: 'carol@corp.test',
      groups: ['devs', 'unknown'],
    });
    expect(r.userid).toBe('carol@corp');
    expect((await validateSession(t.db, r.sessionId))?.userid).toBe('carol@corp');
    const user = await t.db.user.findUniqueOrThrow({
      where: { id: 'carol@corp' },
      select: { email: true, groups: { select: { groupId: true } } },
    });
    expect(user).toEqual({ email: 'carol@corp.test', groups: [{ groupId: 'devs' }] });
    expect(await t.db.auditEvent.count({ where: { action: 'auth.sign-in', actor: 'carol@corp', result: 'ok' } })).toBe(
      1,
    );
  });

  it('refuses a bad state, a tampered cookie and a bad nonce, with nothing created', async () => {
    const claims = { sub: 'u-2', preferred_username: 'mallory' };
    expect(await codeOf(login(claims, { state: 'forged' }))).toMatch(/expired or does not match/);
    expect(await codeOf(login(claims, { cookie: 'v1.AAAA.BBBB.CCCC' }))).toMatch(/expired or does not match/);
    expect(await codeOf(login(claims, { nonce: 'another-nonce' }))).toMatch(/nonce does not match/);
    expect(await t.db.user.findUnique({ where: { id: 'mallory@corp' } })).toBeNull();
    expect(
      await t.db.auditEvent.count({ where: { action: 'auth.sign-in', result: { startsWith: 'error' } } }),
    ).toBeGreaterThanOrEqual(1);
  });

  it('without auto-create, unknown and disabled users get the same refusal', async () => {
    await callerFor(t.db, sessionActor('root@local')).access.realms.updateOidc({
      realm: 'corp',
      issuerUrl: issuer,
      clientId: CLIENT.id,
      usernameClaim: 'preferred_username',
      autoCreate: false,
    });
    const unknown = await codeOf(login({ sub: 'u-3', preferred_username: 'dave' }));
    await t.db.user.update({ where: { id: 'carol@corp' }, data: { enabled: false } });
    const disabled = await codeOf(login({ sub: 'u-1', preferred_username: 'carol' }));
    expect(unknown).toMatch(/may not sign in/);
    expect(disabled).toBe(unknown);
    // The stored secret was kept: the token exchange still authenticated.
    await t.db.user.update({ where: { id: 'carol@corp' }, data: { enabled: true } });
    expect((await login({ sub: 'u-1', preferred_username: 'carol' })).userid).toBe('carol@corp');
  });
});
