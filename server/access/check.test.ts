import { describe, expect, it } from 'vitest';
import { evaluateCheck, permModifyPrivileges, type Check, type CheckEnv } from './check';
import type { Privilege } from './privileges';

function env(
  grants: Record<string, Privilege[]>,
  opts: { isToken?: boolean; groups?: Record<string, string[]> } = {},
): CheckEnv {
  return {
    actor: { userid: 'me@local', isToken: opts.isToken ?? false },
    has: (p, path) => grants[path]?.includes(p) ?? false,
    groupsOf: async (u) => opts.groups?.[u] ?? null,
  };
}

const ok = async (check: Check, e: CheckEnv, input: unknown) => (await evaluateCheck(check, e, input)) === null;

describe('composite checks', () => {
  const userGroup: Check = { test: 'user-group', privileges: ['User.Modify'] };
  const groups = { 'bob@local': ['devs'], 'eve@local': ['ops'] };

  it('userid-group: all groups, or a group of the user', async () => {
    expect(await ok(userGroup, env({ '/access/groups': ['User.Modify'] }), { userid: 'x@local' })).toBe(true);
    const scoped = env({ '/access/groups/devs': ['User.Modify'] }, { groups });
    expect(await ok(userGroup, scoped, { userid: 'bob@local' })).toBe(true);
    expect(await ok(userGroup, scoped, { userid: 'eve@local' })).toBe(false);
    expect(await ok(userGroup, scoped, { userid: 'ghost@local' })).toBe(false);
  });

  it('userid-group with groups: create needs every group named; update every group changed', async () => {
    const scoped = env({ '/access/groups/devs': ['User.Modify'] }, { groups });
    const create: Check = { test: 'user-group', privileges: ['User.Modify'], groups: 'create' };
    expect(await ok(create, scoped, { userid: 'new@local', groups: ['devs'] })).toBe(true);
    expect(await ok(create, scoped, { userid: 'new@local', groups: ['devs', 'ops'] })).toBe(false);
    expect(await ok(create, scoped, { userid: 'new@local' })).toBe(false);
    const update: Check = { test: 'user-group', privileges: ['User.Modify'], groups: 'update' };
    expect(await ok(update, scoped, { userid: 'bob@local', groups: ['devs'] })).toBe(true);
    expect(await ok(update, scoped, { userid: 'bob@local' })).toBe(true);
    expect(await ok(update, scoped, { userid: 'bob@local', groups: ['devs', 'ops'] })).toBe(false);
    // Removing bob from the group one holds is allowed.
    expect(await ok(update, scoped, { userid: 'bob@local', groups: [] })).toBe(true);
  });

  it('self is never a token', async () => {
    expect(await ok({ test: 'self' }, env({}), { userid: 'me@local' })).toBe(true);
    expect(await ok({ test: 'self' }, env({}, { isToken: true }), { userid: 'me@local' })).toBe(false);
    expect(await ok({ test: 'session' }, env({}, { isToken: true }), {})).toBe(false);
  });

  it('realm of the user id, perm templates, and/or', async () => {
    const e = env({ '/access/realm/corp': ['Realm.AllocateUser'], '/vms/100': ['VM.Audit'] });
    expect(await ok({ test: 'realm-allocate-user' }, e, { userid: 'a@corp' })).toBe(true);
    expect(await ok({ test: 'realm-allocate-user' }, e, { userid: 'a@local' })).toBe(false);
    const perm: Check = { test: 'perm', path: '/vms/{vmid}', privileges: ['VM.Audit'] };
    expect(await ok(perm, e, { vmid: 100 })).toBe(true);
    expect(await ok(perm, e, { vmid: '../100' })).toBe(false);
    expect(await ok({ test: 'or', checks: [{ test: 'self' }, perm] }, e, { userid: 'x@local', vmid: 100 })).toBe(true);
    expect(await ok({ test: 'and', checks: [{ test: 'self' }, perm] }, e, { userid: 'x@local', vmid: 100 })).toBe(
      false,
    );
  });

  it('perm-modify: Permissions.Modify, or the allocate privilege of a guest, storage or pool', async () => {
    expect(permModifyPrivileges('/vms/100')).toEqual(['Permissions.Modify', 'VM.Allocate']);
    expect(permModifyPrivileges('/storage/local')).toEqual(['Permissions.Modify', 'Datastore.Allocate']);
    expect(permModifyPrivileges('/pool/p')).toEqual(['Permissions.Modify', 'Pool.Allocate']);
    expect(permModifyPrivileges('/nodes/n1')).toEqual(['Permissions.Modify']);
    const e = env({ '/vms/100': ['VM.Allocate'] });
    expect(await ok({ test: 'perm-modify' }, e, { path: '/vms/100/' })).toBe(true);
    expect(await ok({ test: 'perm-modify' }, e, { path: '/vms/101' })).toBe(false);
    expect(await ok({ test: 'perm-modify' }, e, { path: '/vms/1 00' })).toBe(false);
  });
});
