import { PrismaPg } from '@prisma/adapter-pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrismaClient } from '@/server/generated/prisma/client';
import { sessionActor } from '@/server/testing/caller';
import { startPostgres, type TestPostgres } from '@/server/testing/postgres';
import { migrateDatabase } from '@/prisma/migrate';
import { ensureBuiltinRoles } from './roles';
import { accessGeneration, loadPermissions } from './permissions';

// Two consoles share one PostgreSQL: each keeps resolved permissions until the
// access generation moves, and a change made through one is seen by the other
// at its next request, whatever table the change touched.
describe('permissions cached per access generation', () => {
  let pg: TestPostgres;
  let a: PrismaClient;
  let b: PrismaClient;
  beforeAll(async () => {
    pg = await startPostgres();
    await migrateDatabase({ kind: 'postgres', url: pg.url }, { log: () => undefined });
    a = new PrismaClient({ adapter: new PrismaPg({ connectionString: pg.url }) });
    b = new PrismaClient({ adapter: new PrismaPg({ connectionString: pg.url }) });
    await ensureBuiltinRoles(a);
    await a.realm.create({ data: { id: 'local', type: 'local' } });
    await a.user.create({ data: { id: 'alice@local', name: 'alice', realmId: 'local' } });
    await a.guest.create({
      data: {
        vmid: 100,
        name: 'web',
        config: {},
        node: { create: { name: 'n1', url: 'https://n1', fingerprint: 'AA', tokenEnc: 'x' } },
      },
    });
  }, 120_000);
  afterAll(async () => {
    await a?.$disconnect();
    await b?.$disconnect();
    await pg?.stop();
  });

  it('sees ACL, group, role and pool changes made through another console at the next request', async () => {
    const alice = sessionActor('alice@local');
    const on100 = async () => (await loadPermissions(b, alice)).has('VM.PowerMgmt', '/vms/100');
    expect(await on100()).toBe(false);
    const g0 = await accessGeneration(b);

    await a.aclEntry.create({ data: { path: '/vms/100', ugidType: 'user', ugid: 'alice@local', roleId: 'PVEVMUser' } });
    expect(await accessGeneration(b)).toBeGreaterThan(g0);
    expect(await on100()).toBe(true);

    await a.aclEntry.deleteMany({});
    expect(await on100()).toBe(false);

    // Through a group, then a custom role whose privileges change, then a pool.
    await a.group.create({ data: { id: 'ops' } });
    await a.role.create({ data: { id: 'Starter', builtin: false, privileges: ['VM.Audit'] } });
    await a.aclEntry.create({ data: { path: '/vms/100', ugidType: 'group', ugid: 'ops', roleId: 'Starter' } });
    await a.groupMember.create({ data: { groupId: 'ops', userId: 'alice@local' } });
    expect(await on100()).toBe(false);
    await a.role.update({ where: { id: 'Starter' }, data: { privileges: ['VM.Audit', 'VM.PowerMgmt'] } });
    expect(await on100()).toBe(true);
    await a.groupMember.deleteMany({});
    expect(await on100()).toBe(false);

    await a.pool.create({ data: { id: 'dev' } });
    await a.aclEntry.create({
      data: { path: '/pool/dev', ugidType: 'user', ugid: 'alice@local', roleId: 'PVEVMUser' },
    });
    expect(await on100()).toBe(false);
    await a.poolMember.create({ data: { poolId: 'dev', type: 'vm', memberId: '100' } });
    expect(await on100()).toBe(true);
  });
});
