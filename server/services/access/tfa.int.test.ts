import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hashPassword } from '@/server/access/password';
import { AppError } from '@/server/errors';
import { callerFor, sessionActor } from '@/server/testing/caller';
import { openTestDb, type TestDb } from '@/server/testing/test-db';
import { SECOND_FACTOR_REQUIRED, SECOND_FACTOR_WRONG, signIn } from './sign-in';
import { THROTTLE } from './throttle';

process.env.NEXTAUTH_SECRET ??= 'integration-test-secret-integration-test-secret';

const PASSWORD = 'bob password 1';
const client = { ip: '10.8.8.8', userAgent: 'vitest' };

async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    return e instanceof AppError ? `${e.code}: ${e.message}` : String(e);
  }
}

function appFor(uri: string): TOTP {
  const secret = new URL(uri).searchParams.get('secret')!;
  return new TOTP({ secret: Secret.fromBase32(secret) });
}

describe('TOTP second factor', () => {
  let t: TestDb;
  let app: TOTP;
  let recovery: string[];
  const bob = () => callerFor(t.db, sessionActor('bob@local'));

  beforeAll(async () => {
    t = await openTestDb('pglite');
    await t.db.realm.create({ data: { id: 'local', type: 'local' } });
    await t.db.user.create({
      data: { id: 'bob@local', name: 'bob', realmId: 'local', passwordHash: await hashPassword(PASSWORD) },
    });
    await t.db.user.create({ data: { id: 'root@local', name: 'root', realmId: 'local' } });
    await t.db.aclEntry.create({ data: { path: '/', ugidType: 'user', ugid: 'root@local', roleId: 'Administrator' } });
  });
  afterAll(async () => {
    await t?.close();
  });
  beforeEach(async () => {
    await t.db.loginThrottle.deleteMany({});
  });

  it('enrols: the secret is sealed at rest, and a wrong code does not confirm', async () => {
    const enrol = await bob().access.tfa.enrolTotp({ userid: 'bob@local', description: 'phone' });
    expect(enrol.uri).toMatch(/^otpauth:\/\/totp\//);
    app = appFor(enrol.uri);
    const row = await t.db.tfaFactor.findUniqueOrThrow({ where: { id: enrol.id } });
    expect(row.secret).not.toContain(enrol.secret);
    await expect(bob().access.tfa.confirmTotp({ userid: 'bob@local', id: enrol.id, code: '000000' })).rejects.toThrow(
      /code/,
    );
    // Not confirmed yet: sign-in still needs only the password.
    expect(await failure(signIn(t.db, { username: 'bob', password: PASSWORD, ...client }))).toBe('ok');

    const confirmed = await bob().access.tfa.confirmTotp({ userid: 'bob@local', id: enrol.id, code: app.generate() });
    recovery = confirmed.recoveryCodes;
    expect(recovery).toHaveLength(10);
    const stored = await t.db.tfaFactor.findMany({
      where: { userId: 'bob@local', type: 'recovery' },
      select: { secret: true },
    });
    expect(stored.map((s) => s.secret)).not.toContain(recovery[0]);
    const list = await bob().access.tfa.list({ userid: 'bob@local' });
    expect(list).toMatchObject([
      { type: 'totp', confirmed: true },
      { type: 'recovery', remaining: 10 },
    ]);
  });

  it('asks for the code after a right password only', async () => {
    expect(await failure(signIn(t.db, { username: 'bob', password: PASSWORD, ...client }))).toBe(
      `UNAUTHENTICATED: ${SECOND_FACTOR_REQUIRED}`,
    );
    expect(
      await failure(signIn(t.db, { username: 'bob', password: 'wrong password', otp: app.generate(), ...client })),
    ).toMatch(/wrong user name or password/);
  });

  it('accepts a current code once: the same code again is refused', async () => {
    // The confirmation used the current step; the next step's code is the first one still usable.
    const next = app.generate({ timestamp: Date.now() + 30_000 });
    const s = await signIn(t.db, { username: 'bob', password: PASSWORD, otp: next, ...client });
    expect(s.userid).toBe('bob@local');
    expect(await failure(signIn(t.db, { username: 'bob', password: PASSWORD, otp: next, ...client }))).toBe(
      `UNAUTHENTICATED: ${SECOND_FACTOR_WRONG}`,
    );
  });

  it('accepts a recovery code once', async () => {
    const code = recovery[0]!.toUpperCase();
    expect((await signIn(t.db, { username: 'bob', password: PASSWORD, otp: code, ...client })).userid).toBe(
      'bob@local',
    );
    expect(await failure(signIn(t.db, { username: 'bob', password: PASSWORD, otp: code, ...client }))).toBe(
      `UNAUTHENTICATED: ${SECOND_FACTOR_WRONG}`,
    );
    expect((await bob().access.tfa.list({ userid: 'bob@local' }))[1]).toMatchObject({ remaining: 9 });
    const used = await t.db.auditEvent.count({ where: { action: 'tfa.recovery.used' } });
    expect(used).toBe(1);
  });

  it('counts wrong codes as failures: guessing locks the user', async () => {
    for (let i = 0; i < THROTTLE.userLimit; i++) {
      expect(await failure(signIn(t.db, { username: 'bob', password: PASSWORD, otp: '123456', ...client }))).toMatch(
        /second factor required/,
      );
    }
    expect(await failure(signIn(t.db, { username: 'bob', password: PASSWORD, otp: recovery[1], ...client }))).toMatch(
      /^RATE_LIMITED/,
    );
  });

  it('another user cannot touch bob’s factors; an administrator can remove them all', async () => {
    await t.db.user.create({ data: { id: 'eve@local', name: 'eve', realmId: 'local' } });
    const eve = callerFor(t.db, sessionActor('eve@local'));
    await expect(eve.access.tfa.remove({ userid: 'bob@local' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(eve.access.tfa.list({ userid: 'bob@local' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    // The same refusal for a user that does not exist.
    await expect(eve.access.tfa.list({ userid: 'ghost@local' })).rejects.toMatchObject({ code: 'FORBIDDEN' });

    const root = callerFor(t.db, sessionActor('root@local'));
    expect((await root.access.tfa.remove({ userid: 'bob@local' })).removed).toBe(11);
    await t.db.loginThrottle.deleteMany({});
    expect(await failure(signIn(t.db, { username: 'bob', password: PASSWORD, ...client }))).toBe('ok');
    const audit = await t.db.auditEvent.findMany({
      where: { action: 'tfa.remove' },
      select: { actor: true, target: true, result: true },
    });
    expect(audit).toContainEqual({ actor: 'root@local', target: 'bob@local', result: 'ok' });
  });

  it('removing one’s own factor needs the current password', async () => {
    const enrol = await bob().access.tfa.enrolTotp({ userid: 'bob@local' });
    await bob().access.tfa.confirmTotp({ userid: 'bob@local', id: enrol.id, code: appFor(enrol.uri).generate() });
    await expect(bob().access.tfa.remove({ userid: 'bob@local', id: enrol.id })).rejects.toThrow(/password/);
    await expect(bob().access.tfa.remove({ userid: 'bob@local', id: enrol.id, password: 'wrong' })).rejects.toThrow(
      /password/,
    );
    expect(await t.db.tfaFactor.count({ where: { id: enrol.id } })).toBe(1);
    await bob().access.tfa.remove({ userid: 'bob@local', id: enrol.id, password: PASSWORD });
    // The last TOTP gone, the recovery codes go too.
    expect(await t.db.tfaFactor.count({ where: { userId: 'bob@local' } })).toBe(0);
  });
});
