import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callerFor, sessionActor } from '@/server/testing/caller';
import { openTestDb, type TestDb } from '@/server/testing/test-db';
import { loadPermissions } from './permissions';

const as = (t: TestDb, userid: string) => callerFor(t.db, sessionActor(userid));

describe('access management rules', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb('pglite');
    await t.db.realm.create({ data: { id: 'local', type: 'local' } });
    for (const name of ['root', 'gadmin', 'alice', 'carol']) {
      await t.db.user.create({ data: { id: `${name}@local`, name, realmId: 'local' } });
    }
    await t.db.aclEntry.create({ data: { path: '/', ugidType: 'user', ugid: 'root@local', roleId: 'Administrator' } });
    const root = as(t, 'root@local');
    await root.access.groups.create({ group: 'devs', comment: 'developers' });
    await root.access.groups.create({ group: 'ops' });
    // gadmin administers the devs group only (PVEUserAdmin on it) and may allocate users in realm local.
    await root.access.acl.grant({
      path: '/access/groups/devs',
      type: 'user',
      ugid: 'gadmin@local',
      roleid: 'PVEUserAdmin',
    });
    await root.access.acl.grant({
      path: '/access/realm/local',
      type: 'user',
      ugid: 'gadmin@local',
      roleid: 'PVEUserAdmin',
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('a group admin creates users in their group only', async () => {
    const g = as(t, 'gadmin@local');
    await g.access.users.create({
      userid: 'dave@local',
      password: 'dave password',
      groups: ['devs'],
      email: 'dave@example.com',
    });
    await expect(g.access.users.create({ userid: 'erin@local', groups: ['ops'] })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    await expect(g.access.users.create({ userid: 'erin@local' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(await t.db.user.findUnique({ where: { id: 'erin@local' } })).toBeNull();
    // They see their group's members and themself, not the others.
    const seen = (await g.access.users.list()).map((u) => u.userid);
    expect(seen).toEqual(['dave@local', 'gadmin@local']);
    expect((await g.access.users.list()).find((u) => u.userid === 'dave@local')?.can).toEqual({
      edit: true,
      delete: true,
    });
  });

  it('a group admin edits members, but cannot move them into a group they do not hold', async () => {
    const g = as(t, 'gadmin@local');
    await g.access.users.update({ userid: 'dave@local', firstName: 'Dave', enabled: false });
    expect(
      await t.db.user.findUnique({ where: { id: 'dave@local' }, select: { firstName: true, enabled: true } }),
    ).toEqual({ firstName: 'Dave', enabled: false });
    await expect(g.access.users.update({ userid: 'dave@local', groups: ['devs', 'ops'] })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    // Non-members, existing or not, are refused alike: nothing tells whether a user exists.
    const a = await g.access.users.update({ userid: 'alice@local', comment: 'x' }).then(
      () => 'ok',
      (e: Error) => e.message,
    );
    const b = await g.access.users.update({ userid: 'nobody@local', comment: 'x' }).then(
      () => 'ok',
      (e: Error) => e.message,
    );
    expect(a.replace('alice', 'X')).toBe(b.replace('nobody', 'X'));
    expect(a).toMatch(/permission check failed/);
  });

  it('bad input names the field and writes nothing', async () => {
    const root = as(t, 'root@local');
    await expect(root.access.users.create({ userid: 'bad name@local' })).rejects.toThrow(/userid/);
    await expect(root.access.users.create({ userid: 'frank@local', email: 'not-an-email' })).rejects.toThrow(/email/);
    await expect(root.access.users.create({ userid: 'frank@local', groups: ['nosuch'] })).rejects.toThrow(
      /groups: no such group 'nosuch'/,
    );
    await expect(root.access.users.create({ userid: 'frank@nosuchrealm' })).rejects.toThrow(/userid: no realm/);
    expect(await t.db.user.count({ where: { id: { startsWith: 'frank' } } })).toBe(0);
    await expect(
      root.access.acl.grant({ path: '/vms/42', type: 'user', ugid: 'alice@local', roleid: 'PVEVMUser' }),
    ).rejects.toThrow(/unknown ACL path '\/vms\/42'/);
    await expect(
      root.access.acl.grant({ path: '/vms/100', type: 'user', ugid: 'alice@local', roleid: 'NoSuchRole' }),
    ).rejects.toThrow(/roleid: no role 'NoSuchRole'/);
    await expect(
      root.access.acl.grant({ path: '/vms/100', type: 'user', ugid: 'ghost@local', roleid: 'PVEVMUser' }),
    ).rejects.toThrow(/ugid: no user/);
    await expect(root.access.roles.create({ roleid: 'Ops', privileges: ['VM.Fly'] })).rejects.toThrow(
      /unknown privilege 'VM.Fly'/,
    );
    await expect(root.access.roles.create({ roleid: 'PVEMine', privileges: [] })).rejects.toThrow(/reserved/);
    expect(await t.db.aclEntry.count({ where: { ugid: { in: ['alice@local', 'ghost@local'] } } })).toBe(0);
  });

  it('built-in roles are read-only; custom roles work in ACLs and vanish with them', async () => {
    const root = as(t, 'root@local');
    await expect(root.access.roles.update({ roleid: 'PVEVMUser', privileges: ['VM.Allocate'] })).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    await root.access.roles.create({ roleid: 'Starter', privileges: ['VM.PowerMgmt', 'VM.Audit'] });
    await root.access.acl.grant({
      path: '/vms/100',
      type: 'user',
      ugid: 'carol@local',
      roleid: 'Starter',
      propagate: false,
    });
    const perms = await loadPermissions(t.db, sessionActor('carol@local'));
    expect(perms.has('VM.PowerMgmt', '/vms/100')).toBe(true);
    expect(perms.has('VM.PowerMgmt', '/vms/101')).toBe(false);
    const roles = await as(t, 'carol@local').access.roles.list();
    expect(roles.find((r) => r.roleid === 'Starter')?.can.edit).toBe(false);
    await root.access.roles.delete({ roleid: 'Starter' });
    expect(await t.db.aclEntry.count({ where: { ugid: 'carol@local' } })).toBe(0);
  });

  it('Permissions.Modify decides who may change ACLs; VM.Allocate suffices on a guest', async () => {
    const carol = as(t, 'carol@local');
    await expect(
      carol.access.acl.grant({ path: '/vms/100', type: 'user', ugid: 'alice@local', roleid: 'PVEVMUser' }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await as(t, 'root@local').access.acl.grant({
      path: '/vms/100',
      type: 'user',
      ugid: 'carol@local',
      roleid: 'PVEVMAdmin',
    });
    await carol.access.acl.grant({ path: '/vms/100', type: 'user', ugid: 'alice@local', roleid: 'PVEVMUser' });
    await expect(
      carol.access.acl.grant({ path: '/vms/101', type: 'user', ugid: 'alice@local', roleid: 'PVEVMUser' }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    // She lists only the entries on paths she may change.
    expect(new Set((await carol.access.acl.list()).map((e) => e.path))).toEqual(new Set(['/vms/100']));
    await carol.access.acl.revoke({ path: '/vms/100', type: 'user', ugid: 'alice@local', roleid: 'PVEVMUser' });
  });

  it('pool ACLs reach the pool members, and NoAccess wins', async () => {
    const root = as(t, 'root@local');
    await t.db.node.create({ data: { name: 'n1', url: 'https://n1:8007', fingerprint: 'AA', tokenEnc: 'x' } });
    for (const vmid of [200, 201])
      await t.db.guest.create({ data: { vmid, nodeName: 'n1', name: `g${vmid}`, config: {} } });
    await root.access.pools.create({ pool: 'dev', comment: 'dev pool' });
    await root.access.pools.members({ pool: 'dev', vms: [200], storage: ['local-lvm'] });
    await expect(root.access.pools.members({ pool: 'dev', vms: [999] })).rejects.toThrow(/vms: no guest 999/);
    await root.access.pools.create({ pool: 'other' });
    await expect(root.access.pools.members({ pool: 'other', vms: [200] })).rejects.toMatchObject({ code: 'CONFLICT' });
    await root.access.acl.grant({ path: '/pool/dev', type: 'group', ugid: 'ops', roleid: 'PVEVMUser' });
    await root.access.users.update({ userid: 'alice@local', groups: ['ops'] });

    let perms = await loadPermissions(t.db, sessionActor('alice@local'));
    expect(perms.has('VM.PowerMgmt', '/vms/200')).toBe(true);
    expect(perms.has('VM.PowerMgmt', '/vms/201')).toBe(false);
    const why = await as(t, 'alice@local').access.permissions.explain({
      userid: 'alice@local',
      path: '/vms/200',
      privileges: ['VM.PowerMgmt'],
    });
    expect(why.privileges[0]).toMatchObject({
      granted: true,
      grants: [{ roleid: 'PVEVMUser', pool: 'dev', type: 'group', ugid: 'ops' }],
    });

    await root.access.acl.grant({ path: '/vms/200', type: 'user', ugid: 'alice@local', roleid: 'NoAccess' });
    perms = await loadPermissions(t.db, sessionActor('alice@local'));
    expect(perms.has('VM.PowerMgmt', '/vms/200')).toBe(false);
    expect(perms.has('VM.Audit', '/vms/200')).toBe(false);
    const denied = await as(t, 'root@local').access.permissions.explain({
      userid: 'alice@local',
      path: '/vms/200',
      privileges: ['VM.Audit'],
    });
    expect(denied.privileges[0]?.reason).toMatch(/denied by role NoAccess/);
    // Someone else's rights are explained only with Sys.Audit on /access.
    await expect(
      as(t, 'carol@local').access.permissions.explain({ userid: 'alice@local', path: '/' }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });

    await expect(root.access.pools.delete({ pool: 'dev' })).rejects.toThrow(/not empty/);
    await root.access.pools.members({ pool: 'dev', vms: [200], storage: ['local-lvm'], remove: true });
    await root.access.pools.delete({ pool: 'dev' });
    expect(await t.db.aclEntry.count({ where: { path: '/pool/dev' } })).toBe(0);
  });

  it('every mutation is in the audit log, failures too', async () => {
    const events = await as(t, 'root@local').access.audit.list({ limit: 1000 });
    const actions = new Set(events.map((e) => e.action));
    for (const a of [
      'group.create',
      'user.create',
      'user.update',
      'acl.grant',
      'acl.revoke',
      'role.create',
      'role.delete',
      'pool.create',
      'pool.members.add',
      'pool.delete',
    ]) {
      expect(actions, a).toContain(a);
    }
    const failed = await as(t, 'root@local').access.audit.list({ result: 'error', action: 'pool.' });
    expect(failed.length).toBeGreaterThan(0);
    await expect(as(t, 'alice@local').access.audit.list({})).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('password changes: oneself with the current password, an administrator without', async () => {
    const dave = as(t, 'dave@local');
    await t.db.user.update({ where: { id: 'dave@local' }, data: { enabled: true } });
    await expect(
      dave.access.users.changePassword({ userid: 'dave@local', password: 'new password 1', currentPassword: 'wrong' }),
    ).rejects.toThrow(/currentPassword/);
    await dave.access.users.changePassword({
      userid: 'dave@local',
      password: 'new password 1',
      currentPassword: 'dave password',
    });
    await as(t, 'gadmin@local').access.users.changePassword({ userid: 'dave@local', password: 'new password 2' });
    await expect(
      as(t, 'carol@local').access.users.changePassword({ userid: 'dave@local', password: 'new password 3' }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('deleting a user removes their ACL entries; nobody deletes themself', async () => {
    const root = as(t, 'root@local');
    await expect(root.access.users.delete({ userid: 'root@local' })).rejects.toMatchObject({ code: 'CONFLICT' });
    await root.access.users.delete({ userid: 'carol@local' });
    expect(await t.db.aclEntry.count({ where: { ugid: 'carol@local' } })).toBe(0);
  });
});
