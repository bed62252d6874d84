import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '@/server/errors';
import { openTestDb, type TestDb, type TestDbKind } from '@/server/testing/test-db';
import { callerFor } from '@/server/testing/caller';
import { completeSetup } from '@/server/services/setup/setup';
import { revokeSession, validateSession } from './sessions';
import { signIn } from './sign-in';
import { THROTTLE } from './throttle';

const ADMIN = { clusterName: 'test', username: 'admin', password: 'correct horse battery', email: '' };
const client = { ip: '10.1.1.1', userAgent: 'vitest' };

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'resolved';
  } catch (e) {
    return e instanceof AppError ? e.code : String(e);
  }
}

describe.each<TestDbKind>(['pglite', 'postgres'])('setup and sign-in on %s', (kind) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb(kind);
  });
  afterAll(async () => {
    await t?.close();
  });
  beforeEach(async () => {
    await t.db.loginThrottle.deleteMany({});
  });

  it('setup creates the administrator once; a second setup is refused and writes nothing', async () => {
    expect(await callerFor(t.db, null).setup.status()).toEqual({ needed: true });
    const results = await Promise.allSettled([
      completeSetup(t.db, ADMIN, client),
      completeSetup(t.db, ADMIN, { ip: '10.1.1.2' }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.find((r) => r.status === 'rejected')).toMatchObject({ reason: { code: 'CONFLICT' } });
    expect(await t.db.user.count()).toBe(1);
    expect(await codeOf(completeSetup(t.db, { ...ADMIN, username: 'mallory' }, client))).toBe('CONFLICT');
    expect(await t.db.user.findMany({ select: { id: true } })).toHaveLength(1);
    expect(await callerFor(t.db, null).setup.status()).toEqual({ needed: false });
    await expect(callerFor(t.db, null).setup.hostFacts()).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('the administrator holds Administrator on / and the password is stored as argon2id', async () => {
    const user = await t.db.user.findFirstOrThrow({ select: { id: true, passwordHash: true } });
    expect(user.passwordHash).toMatch(/^\$argon2id\$/);
    expect(user.passwordHash).not.toContain(ADMIN.password);
    const acl = await t.db.aclEntry.findMany({ where: { ugid: user.id } });
    expect(acl).toMatchObject([{ path: '/', roleId: 'Administrator', propagate: true }]);
  });

  it('signs in with the right password, with or without the realm in the name', async () => {
    const a = await signIn(t.db, { username: 'admin', password: ADMIN.password, ...client });
    const b = await signIn(t.db, { username: 'admin@local', password: ADMIN.password, ...client });
    expect(a.userid).toBe('admin@local');
    expect((await validateSession(t.db, a.sessionId))?.userid).toBe('admin@local');
    expect((await validateSession(t.db, b.sessionId))?.userid).toBe('admin@local');
  });

  it('a wrong password and an unknown user fail the same way', async () => {
    const wrong = signIn(t.db, { username: 'admin', password: 'nope-nope', ip: '10.2.2.2', userAgent: 'x' });
    const unknown = signIn(t.db, { username: 'ghost', password: 'nope-nope', ip: '10.2.2.2', userAgent: 'x' });
    const [e1, e2] = await Promise.all([wrong.catch((e: unknown) => e), unknown.catch((e: unknown) => e)]);
    expect(e1).toBeInstanceOf(AppError);
    expect((e1 as AppError).code).toBe('UNAUTHENTICATED');
    expect((e2 as AppError).message).toBe((e1 as AppError).message);
    const audited = await t.db.auditEvent.findMany({
      where: { action: 'auth.sign-in', result: { startsWith: 'error' } },
    });
    expect(audited.length).toBeGreaterThanOrEqual(2);
  });

  it('locks a user after repeated failures, even for the right password, without touching other users', async () => {
    await t.db.user.create({ data: { id: 'bob@local', name: 'bob', realmId: 'local', passwordHash: null } });
    for (let i = 0; i < THROTTLE.userLimit; i++) {
      expect(
        await codeOf(signIn(t.db, { username: 'admin', password: `bad-${i}`, ip: `10.3.3.${i}`, userAgent: 'x' })),
      ).toBe('UNAUTHENTICATED');
    }
    expect(
      await codeOf(signIn(t.db, { username: 'admin', password: ADMIN.password, ip: '10.9.9.9', userAgent: 'x' })),
    ).toBe('RATE_LIMITED');
    // An unknown user is throttled alike, so a lock does not reveal existence.
    for (let i = 0; i < THROTTLE.userLimit; i++)
      await codeOf(signIn(t.db, { username: 'nobody', password: 'x', ip: `10.4.4.${i}`, userAgent: 'x' }));
    expect(await codeOf(signIn(t.db, { username: 'nobody', password: 'x', ip: '10.5.5.5', userAgent: 'x' }))).toBe(
      'RATE_LIMITED',
    );
  });

  it('locks an address after repeated failures across user names', async () => {
    for (let i = 0; i < THROTTLE.ipLimit; i++)
      await codeOf(signIn(t.db, { username: `u${i}`, password: 'x', ip: '10.6.6.6', userAgent: 'x' }));
    expect(
      await codeOf(signIn(t.db, { username: 'admin', password: ADMIN.password, ip: '10.6.6.6', userAgent: 'x' })),
    ).toBe('RATE_LIMITED');
    expect(
      await codeOf(signIn(t.db, { username: 'admin', password: ADMIN.password, ip: '10.7.7.7', userAgent: 'x' })),
    ).toBe('resolved');
  });

  it('a revoked session stops working at its next check; a disabled user loses their sessions', async () => {
    const s = await signIn(t.db, { username: 'admin', password: ADMIN.password, ...client });
    expect((await validateSession(t.db, s.sessionId))?.userid).toBe('admin@local');
    await revokeSession(t.db, s.sessionId);
    expect(await validateSession(t.db, s.sessionId)).toBeNull();

    const s2 = await signIn(t.db, { username: 'admin', password: ADMIN.password, ...client });
    await t.db.user.update({ where: { id: 'admin@local' }, data: { enabled: false } });
    expect(await validateSession(t.db, s2.sessionId)).toBeNull();
    expect(await codeOf(signIn(t.db, { username: 'admin', password: ADMIN.password, ...client }))).toBe(
      'UNAUTHENTICATED',
    );
    await t.db.user.update({ where: { id: 'admin@local' }, data: { enabled: true } });
  });

  it('sessions checked at the same moment share one lookup, and each gets its own answer', async () => {
    const live = await signIn(t.db, { username: 'admin', password: ADMIN.password, ...client });
    const revoked = await signIn(t.db, { username: 'admin', password: ADMIN.password, ...client });
    await revokeSession(t.db, revoked.sessionId);
    const ids = [live.sessionId, revoked.sessionId, 'no-such-session', live.sessionId];
    const answers = await Promise.all(ids.map((id) => validateSession(t.db, id)));
    expect(answers.map((a) => a?.userid ?? null)).toEqual(['admin@local', null, null, 'admin@local']);
    expect(answers[0]?.generations.state).toBeGreaterThanOrEqual(0n);
  });
});
