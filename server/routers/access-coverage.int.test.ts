import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Privilege } from '@/server/access/privileges';
import { appRouter } from '@/server/routers/_app';
import type { Access } from '@/server/trpc';
import { callerFor, sessionActor } from '@/server/testing/caller';
import { openTestDb, type TestDb } from '@/server/testing/test-db';

/** The only procedures an anonymous caller may reach. Adding one here is a security decision. */
const PUBLIC = new Set(['auth.realms', 'setup.status', 'setup.hostFacts', 'setup.complete']);

/** Values for path placeholders such as `{vmid}`, and the sample input that carries them. */
const SAMPLE: Record<string, string | number> = { vmid: 100, node: 'node1', storage: 'local', pool: 'pool1', zone: 'zone1', group: 'group1', realm: 'local' };

type Proc = { _def: { type: 'query' | 'mutation' | 'subscription'; meta?: { access?: Access } } };
const procedures = Object.entries(appRouter._def.procedures as unknown as Record<string, Proc>);

function fill(path: string): string {
  return path.replace(/\{(\w+)\}/g, (_, k: string) => String(SAMPLE[k]));
}

/** Calls a procedure by its dotted name with `input`; returns the tRPC error code or 'OK'. */
async function call(t: TestDb, actorId: string | null, name: string, input: unknown): Promise<string> {
  const caller = callerFor(t.db, actorId ? sessionActor(actorId) : null) as unknown as Record<string, unknown>;
  const fn = name.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], caller) as (i: unknown) => Promise<unknown>;
  try {
    await fn(input);
    return 'OK';
  } catch (e) {
    return e instanceof TRPCError ? e.code : `threw ${String(e)}`;
  }
}

describe('every tRPC procedure declares and enforces its access rule', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb('pglite');
    await t.db.realm.create({ data: { id: 'local', type: 'local' } });
    for (const id of ['nobody@local', 'holder@local']) await t.db.user.create({ data: { id, name: id.split('@')[0]!, realmId: 'local' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('finds the procedures', () => {
    expect(procedures.length).toBeGreaterThanOrEqual(10);
  });

  it.each(procedures.map(([name, p]) => [name, p] as const))('%s has a declaration', (name, p) => {
    const access = p._def.meta?.access;
    expect(access, `${name} has no access declaration`).toBeDefined();
    expect(access!.kind === 'public', `${name}: public procedures must be listed in PUBLIC`).toBe(PUBLIC.has(name));
  });

  it.each(procedures.filter(([name]) => !PUBLIC.has(name)).map(([name]) => name))('%s refuses an anonymous caller', async (name) => {
    expect(await call(t, null, name, SAMPLE)).toBe('UNAUTHORIZED');
  });

  const guarded = procedures.flatMap(([name, p]) => {
    const a = p._def.meta?.access;
    return a?.kind === 'privilege' ? [[name, a] as const] : [];
  });

  it.each(guarded)('%s refuses a user without rights and admits one with exactly the declared privilege on the declared path', async (name, access) => {
    expect(await call(t, 'nobody@local', name, SAMPLE)).toBe('FORBIDDEN');

    const role = `Only-${name.replace(/\W/g, '-')}`;
    const privileges: Privilege[] = access.mode === 'any' ? [access.privileges[0]!] : [...access.privileges];
    await t.db.role.create({ data: { id: role, privileges } });
    const entry = await t.db.aclEntry.create({
      data: { path: fill(access.path), ugidType: 'user', ugid: 'holder@local', roleId: role, propagate: false },
    });
    try {
      const outcome = await call(t, 'holder@local', name, SAMPLE);
      // Past the access check, anything but an access refusal is fine (the sample input may not fit).
      expect(['UNAUTHORIZED', 'FORBIDDEN']).not.toContain(outcome);
    } finally {
      await t.db.aclEntry.delete({ where: { id: entry.id } });
      await t.db.role.delete({ where: { id: role } });
    }
  });
});
