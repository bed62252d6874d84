import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Check } from '@/server/access/check';
import type { Privilege } from '@/server/access/privileges';
import { appRouter } from '@/server/routers/_app';
import type { Access } from '@/server/trpc';
import { callerFor, sessionActor } from '@/server/testing/caller';
import { openTestDb, type TestDb } from '@/server/testing/test-db';

/** The only procedures an anonymous caller may reach. Adding one here is a security decision. */
const PUBLIC = new Set(['auth.realms', 'setup.status', 'setup.hostFacts', 'setup.complete']);

/** Values for path placeholders such as `{vmid}`, and the sample input that carries them. */
const SAMPLE: Record<string, string | number | string[]> = {
  vmid: 100,
  node: 'node1',
  storage: 'local',
  pool: 'pool1',
  zone: 'zone1',
  group: 'group1',
  realm: 'local',
  // Composite checks (server/access/check.ts) read these: a user in group1, that group, an ACL path.
  userid: 'target@local',
  groups: ['group1'],
  path: '/vms/100',
};

type Grant = { path: string; privileges: Privilege[] };

/**
 * The narrowest ACL grants that satisfy a composite check with SAMPLE's input:
 * group-scoped rights on group1 (target's group), the realm of target, the
 * ACL path itself. `self` cannot be granted, so an 'or' takes another branch.
 */
function grantsFor(check: Check): Grant[] | null {
  switch (check.test) {
    case 'perm':
      return [{ path: fill(check.path), privileges: check.any ? [check.privileges[0]!] : [...check.privileges] }];
    case 'realm-allocate-user':
      return [{ path: '/access/realm/local', privileges: ['Realm.AllocateUser'] }];
    case 'user-group':
      return [{ path: '/access/groups/group1', privileges: [check.privileges[0]!] }];
    case 'perm-modify':
      return [{ path: String(SAMPLE.path), privileges: ['Permissions.Modify'] }];
    case 'session':
      return [];
    case 'self':
      return null;
    case 'and': {
      const all = check.checks.map(grantsFor);
      return all.some((g) => g === null) ? null : all.flatMap((g) => g ?? []);
    }
    case 'or':
      return check.checks.map(grantsFor).find((g) => g !== null) ?? null;
  }
}

type Proc = { _def: { type: 'query' | 'mutation' | 'subscription'; meta?: { access?: Access } } };
const procedures = Object.entries(appRouter._def.procedures as unknown as Record<string, Proc>);

function fill(path: string): string {
  return path.replace(/\{(\w+)\}/g, (_, k: string) => String(SAMPLE[k]));
}

/** Calls a procedure by its dotted name with `input`; returns the tRPC error code or 'OK'. */
async function call(t: TestDb, actorId: string | null, name: string, input: unknown): Promise<string> {
  const caller = callerFor(t.db, actorId ? sessionActor(actorId) : null) as unknown as Record<string, unknown>;
  const fn = name.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], caller) as (
    i: unknown,
  ) => Promise<unknown>;
  try {
    await fn(input);
    return 'OK';
  } catch (e) {
    return e instanceof TRPCError ? e.code : `threw ${String(e)}`;
  }
}

/** target@local in group1: the subject of user-scoped procedures; recreated if a call deleted it. */
let ensureTarget: () => Promise<void> = async () => undefined;

describe('every tRPC procedure declares and enforces its access rule', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb('pglite');
    ensureTarget = async () => {
      await t.db.group.upsert({ where: { id: 'group1' }, create: { id: 'group1' }, update: {} });
      await t.db.user.upsert({
        where: { id: 'target@local' },
        create: { id: 'target@local', name: 'target', realmId: 'local' },
        update: {},
      });
      await t.db.groupMember.upsert({
        where: { groupId_userId: { groupId: 'group1', userId: 'target@local' } },
        create: { groupId: 'group1', userId: 'target@local' },
        update: {},
      });
    };
    await t.db.realm.create({ data: { id: 'local', type: 'local' } });
    for (const id of ['nobody@local', 'holder@local'])
      await t.db.user.create({ data: { id, name: id.split('@')[0]!, realmId: 'local' } });
    await ensureTarget();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('finds the procedures', () => {
    expect(procedures.length).toBeGreaterThanOrEqual(10);
  });

  it("snapshot procedures ask Proxmox's privileges on /vms/{vmid}", () => {
    const declared = Object.fromEntries(
      procedures
        .filter(([name]) => name.startsWith('snapshot.'))
        .map(([name, p]) => {
          const a = p._def.meta?.access;
          return [
            name,
            a?.kind === 'privilege' ? `${a.privileges.join(a.mode === 'any' ? '|' : '+')} ${a.path}` : a?.kind,
          ];
        }),
    );
    expect(declared).toEqual({
      'snapshot.list': 'VM.Audit /vms/{vmid}',
      'snapshot.create': 'VM.Snapshot /vms/{vmid}',
      'snapshot.delete': 'VM.Snapshot /vms/{vmid}',
      'snapshot.update': 'VM.Snapshot /vms/{vmid}',
      'snapshot.rollback': 'VM.Snapshot|VM.Snapshot.Rollback /vms/{vmid}',
    });
  });

  it.each(procedures.map(([name, p]) => [name, p] as const))('%s has a declaration', (name, p) => {
    const access = p._def.meta?.access;
    expect(access, `${name} has no access declaration`).toBeDefined();
    expect(access!.kind === 'public', `${name}: public procedures must be listed in PUBLIC`).toBe(PUBLIC.has(name));
  });

  it.each(procedures.filter(([name]) => !PUBLIC.has(name)).map(([name]) => name))(
    '%s refuses an anonymous caller',
    async (name) => {
      expect(await call(t, null, name, SAMPLE)).toBe('UNAUTHORIZED');
    },
  );

  const guarded = procedures.flatMap(([name, p]): (readonly [string, Grant[]])[] => {
    const a = p._def.meta?.access;
    if (a?.kind === 'privilege') {
      return [
        [
          name,
          [{ path: fill(a.path), privileges: a.mode === 'any' ? [a.privileges[0]!] : [...a.privileges] }],
        ] as const,
      ];
    }
    if (a?.kind === 'check') {
      const grants = grantsFor(a.check);
      if (!grants) throw new Error(`${name}: its check cannot be satisfied by ACL grants`);
      return [[name, grants] as const];
    }
    return [];
  });

  it.each(guarded)(
    '%s refuses a user without rights and admits one with exactly the declared privilege on the declared path',
    async (name, grants) => {
      await ensureTarget();
      expect(await call(t, 'nobody@local', name, SAMPLE)).toBe('FORBIDDEN');

      const ids: { role: string; entry: number }[] = [];
      for (const [i, g] of grants.entries()) {
        const role = `Only-${name.replace(/\W/g, '-')}-${i}`;
        await t.db.role.create({ data: { id: role, privileges: g.privileges } });
        const entry = await t.db.aclEntry.create({
          data: { path: g.path, ugidType: 'user', ugid: 'holder@local', roleId: role, propagate: false },
        });
        ids.push({ role, entry: entry.id });
      }
      try {
        const outcome = await call(t, 'holder@local', name, SAMPLE);
        // Past the access check, anything but an access refusal is fine (the sample input may not fit).
        expect(['UNAUTHORIZED', 'FORBIDDEN']).not.toContain(outcome);
      } finally {
        for (const { role, entry } of ids) {
          await t.db.aclEntry.deleteMany({ where: { id: entry } });
          await t.db.role.deleteMany({ where: { id: role } });
        }
      }
    },
  );
});
