import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpContext } from '@/server/context';
import { appRouter } from '@/server/routers/_app';
import { callerFor, sessionActor } from '@/server/testing/caller';
import { openTestDb, type TestDb } from '@/server/testing/test-db';
import { createCallerFactory } from '@/server/trpc';
import { BAD_TOKEN } from './tokens';

const factory = createCallerFactory(appRouter);

function request(authorization?: string): Request {
  return new Request('https://console.test/api/trpc/auth.me', { headers: authorization ? { authorization } : {} });
}

describe('API tokens through the HTTP context', () => {
  let t: TestDb;
  let secrets: Record<string, string>;

  async function asHeader(header: string) {
    return factory(await createHttpContext(request(header).headers, t.db));
  }

  async function refusal(header: string): Promise<string> {
    try {
      await createHttpContext(request(header).headers, t.db);
      return 'accepted';
    } catch (e) {
      return e instanceof TRPCError ? `${e.code}: ${e.message}` : String(e);
    }
  }

  beforeAll(async () => {
    t = await openTestDb('pglite');
    await t.db.realm.create({ data: { id: 'local', type: 'local' } });
    await t.db.user.create({ data: { id: 'alice@local', name: 'alice', realmId: 'local' } });
    await t.db.user.create({
      data: { id: 'old@local', name: 'old', realmId: 'local', expiresAt: new Date(Date.now() - 1000) },
    });
    // alice may audit everything; she creates her own tokens (Proxmox: 'self').
    await t.db.aclEntry.create({ data: { path: '/', ugidType: 'user', ugid: 'alice@local', roleId: 'PVEAuditor' } });
    const me = callerFor(t.db, sessionActor('alice@local'));
    secrets = {};
    for (const [name, privsep] of [
      ['sep', true],
      ['full', false],
    ] as const) {
      const r = await me.access.tokens.create({ userid: 'alice@local', name, privsep, comment: `${name} token` });
      expect(r.tokenid).toBe(`alice@local!${name}`);
      expect(r.secret).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      secrets[name] = r.secret;
    }
    const expired = await me.access.tokens.create({
      userid: 'alice@local',
      name: 'gone',
      expiresAt: new Date(Date.now() - 1000),
    });
    secrets.gone = expired.secret;
    // The privilege-separated token gets its own, narrower ACL: VM.Audit on /vms/100 only.
    expect((await me.access.tokens.list({ userid: 'alice@local' })).map((r) => r.name)).toEqual([
      'full',
      'gone',
      'sep',
    ]);
    await t.db.aclEntry.create({
      data: { path: '/vms/100', ugidType: 'token', ugid: 'alice@local!sep', roleId: 'PVEVMAdmin' },
    });
    await t.db.apiToken.create({ data: { id: 'old@local!t1', userId: 'old@local', name: 't1', secretHash: '00' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('stores only the SHA-256 of the secret', async () => {
    const row = await t.db.apiToken.findUniqueOrThrow({ where: { id: 'alice@local!sep' } });
    expect(row.secretHash).toMatch(/^[0-9a-f]{64}$/);
    expect(row.secretHash).not.toContain(secrets.sep);
    const audit = await t.db.auditEvent.findMany({
      where: { action: 'token.create' },
      select: { target: true, detail: true },
    });
    expect(audit.map((a) => a.target)).toContain('alice@local!sep');
    expect(JSON.stringify(audit)).not.toContain(secrets.sep);
  });

  it('a non-separated token has exactly its user rights', async () => {
    const api = await asHeader(`PVEAPIToken=alice@local!full=${secrets.full}`);
    expect((await api.auth.me()).userid).toBe('alice@local');
    const explained = await api.access.permissions.explain({ userid: 'alice@local', token: 'full', path: '/vms/100' });
    expect(explained.privileges.find((p) => p.privilege === 'VM.Audit')?.granted).toBe(true);
    expect(explained.privileges.find((p) => p.privilege === 'VM.PowerMgmt')?.granted).toBe(false);
    // Sys.Audit on / comes from alice's PVEAuditor.
    await expect(api.access.audit.list({})).resolves.toBeInstanceOf(Array);
  });

  it('a separated token gets its own ACL intersected with its user rights', async () => {
    const api = await asHeader(`PVEAPIToken=alice@local!sep=${secrets.sep}`);
    // Nothing on / for the token itself: the audit log is refused though alice may read it.
    await expect(api.access.audit.list({})).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const ex = await callerFor(t.db, sessionActor('alice@local')).access.permissions.explain({
      userid: 'alice@local',
      token: 'sep',
      path: '/vms/100',
    });
    const verdict = (p: string) => ex.privileges.find((v) => v.privilege === p);
    // The token's PVEVMAdmin meets alice's PVEAuditor: only VM.Audit survives.
    expect(verdict('VM.Audit')?.granted).toBe(true);
    expect(verdict('VM.PowerMgmt')?.granted).toBe(false);
    expect(verdict('VM.PowerMgmt')?.reason).toMatch(/privilege-separated token/);
  });

  it('a token may not manage second factors or passwords (allowtoken => 0)', async () => {
    const api = await asHeader(`PVEAPIToken=alice@local!full=${secrets.full}`);
    await expect(api.access.tfa.enrolTotp({ userid: 'alice@local' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('refuses every bad header with the same 401 message', async () => {
    const wrong = `PVEAPIToken=alice@local!sep=${secrets.full}`;
    const cases = [
      'Bearer abc',
      'PVEAPIToken=alice@local!sep',
      'PVEAPIToken=alice@local!sep=NOT-A-UUID',
      `PVEAPIToken=ghost@local!sep=${secrets.sep}`,
      `PVEAPIToken=alice@local!nope=${secrets.sep}`,
      wrong,
      `PVEAPIToken=alice@local!gone=${secrets.gone}`,
      `PVEAPIToken=old@local!t1=${secrets.sep}`,
    ];
    for (const header of cases) expect(await refusal(header), header).toBe(`UNAUTHORIZED: ${BAD_TOKEN}`);
  });

  it('a disabled user takes their tokens down with them', async () => {
    await t.db.user.update({ where: { id: 'alice@local' }, data: { enabled: false } });
    expect(await refusal(`PVEAPIToken=alice@local!full=${secrets.full}`)).toBe(`UNAUTHORIZED: ${BAD_TOKEN}`);
    await t.db.user.update({ where: { id: 'alice@local' }, data: { enabled: true } });
  });

  it('deleting a token removes its ACL entries and stops it', async () => {
    const me = callerFor(t.db, sessionActor('alice@local'));
    await me.access.tokens.delete({ userid: 'alice@local', name: 'sep' });
    expect(await t.db.aclEntry.count({ where: { ugidType: 'token', ugid: 'alice@local!sep' } })).toBe(0);
    expect(await refusal(`PVEAPIToken=alice@local!sep=${secrets.sep}`)).toBe(`UNAUTHORIZED: ${BAD_TOKEN}`);
  });

  it('without a header the cookie decides, and no cookie is anonymous', async () => {
    const ctx = await createHttpContext(request().headers, t.db);
    expect(ctx.actor).toBeNull();
  });
});
