import { z } from 'zod';
import { hashPassword, verifyPassword } from '@/server/access/password';
import { ZPassword, ZUserid } from '@/server/access/userid';
import type { Db } from '@/server/db';
import { AppError } from '@/server/errors';
import { audited, type By } from './by';
import type { Permissions } from './permissions';

export const ZGroupId = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9.\-_]{1,64}$/, 'a group name has 1 to 64 letters, digits, ".", "-" or "_"');

const ZEmail = z.union([z.literal(''), z.email('enter a valid e-mail address or leave it empty')]);
const ZName = z.string().trim().max(64, 'at most 64 characters');

export const ZUserFields = z.object({
  enabled: z.boolean(),
  /** null: never expires. */
  expiresAt: z.date().nullable(),
  email: ZEmail,
  firstName: ZName,
  lastName: ZName,
  comment: z.string().trim().max(255, 'a comment has at most 255 characters'),
  groups: z.array(ZGroupId).max(100),
});

export const ZCreateUser = ZUserFields.partial().extend({
  userid: ZUserid,
  /** Only for users of a local realm. */
  password: ZPassword.optional(),
});
export type CreateUserInput = z.infer<typeof ZCreateUser>;

export const ZUpdateUser = ZUserFields.partial().extend({ userid: ZUserid });
export type UpdateUserInput = z.infer<typeof ZUpdateUser>;

export const ZUserRow = z.object({
  userid: z.string(),
  realm: z.string(),
  realmType: z.string(),
  enabled: z.boolean(),
  expiresAt: z.date().nullable(),
  email: z.string(),
  firstName: z.string(),
  lastName: z.string(),
  comment: z.string(),
  groups: z.array(z.string()),
  tfa: z.boolean(),
  tokens: z.number(),
  can: z.object({ edit: z.boolean(), delete: z.boolean() }),
});
export type UserRow = z.infer<typeof ZUserRow>;

const USER_SELECT = {
  id: true,
  realmId: true,
  realm: { select: { type: true } },
  enabled: true,
  expiresAt: true,
  email: true,
  firstName: true,
  lastName: true,
  comment: true,
  groups: { select: { groupId: true } },
  tfa: { where: { type: 'totp', confirmedAt: { not: null } }, select: { id: true } },
  _count: { select: { tokens: true } },
} as const;

/** Proxmox's `userid-group` read/modify rule for one user, as a flag. */
function mayManage(
  perms: Permissions,
  privs: readonly ('User.Modify' | 'Sys.Audit')[],
  groups: readonly string[],
): boolean {
  const on = (path: string) => privs.some((p) => perms.has(p, path));
  return on('/access/groups') || groups.some((g) => on(`/access/groups/${g}`));
}

/**
 * Users the caller may see: everyone with User.Modify or Sys.Audit on
 * /access/groups, else members of groups they hold one of those on, and
 * always themself (Proxmox's `GET /access/users`).
 */
export async function listUsers(db: Db, perms: Permissions, self: string): Promise<UserRow[]> {
  const rows = await db.user.findMany({ orderBy: { id: 'asc' }, select: USER_SELECT });
  return rows.flatMap((u) => {
    const groups = u.groups.map((g) => g.groupId);
    if (u.id !== self && !mayManage(perms, ['User.Modify', 'Sys.Audit'], groups)) return [];
    const edit = mayManage(perms, ['User.Modify'], groups);
    return [
      {
        userid: u.id,
        realm: u.realmId,
        realmType: u.realm.type,
        enabled: u.enabled,
        expiresAt: u.expiresAt,
        email: u.email,
        firstName: u.firstName,
        lastName: u.lastName,
        comment: u.comment,
        groups,
        tfa: u.tfa.length > 0,
        tokens: u._count.tokens,
        can: { edit, delete: edit && perms.has('Realm.AllocateUser', `/access/realm/${u.realmId}`) },
      },
    ];
  });
}

async function assertGroupsExist(db: Db, groups: readonly string[]): Promise<void> {
  const found = await db.group.findMany({ where: { id: { in: [...groups] } }, select: { id: true } });
  const missing = groups.filter((g) => !found.some((f) => f.id === g));
  if (missing.length) throw new AppError('INVALID_INPUT', `groups: no such group '${missing[0]}'`, { field: 'groups' });
}

/** Creates a user in an existing realm; a password only for local realms. */
export async function createUser(db: Db, by: By, input: CreateUserInput): Promise<{ userid: string }> {
  const at = input.userid.lastIndexOf('@');
  const name = input.userid.slice(0, at);
  const realmId = input.userid.slice(at + 1);
  return audited(db, by, 'user.create', input.userid, async () => {
    const realm = await db.realm.findUnique({ where: { id: realmId }, select: { type: true } });
    if (!realm) throw new AppError('INVALID_INPUT', `userid: no realm '${realmId}'`, { field: 'userid' });
    if (input.password && realm.type !== 'local') {
      throw new AppError(
        'INVALID_INPUT',
        `password: users of the ${realm.type} realm '${realmId}' sign in there; leave the password empty`,
        { field: 'password' },
      );
    }
    const groups = [...new Set(input.groups ?? [])];
    await assertGroupsExist(db, groups);
    const passwordHash = input.password ? await hashPassword(input.password) : null;
    await db.$transaction(async (tx) => {
      if (await tx.user.findUnique({ where: { id: input.userid }, select: { id: true } })) {
        throw new AppError('CONFLICT', `user '${input.userid}' already exists`);
      }
      await tx.user.create({
        data: {
          id: input.userid,
          name,
          realmId,
          passwordHash,
          enabled: input.enabled ?? true,
          expiresAt: input.expiresAt ?? null,
          email: input.email ?? '',
          firstName: input.firstName ?? '',
          lastName: input.lastName ?? '',
          comment: input.comment ?? '',
          groups: { create: groups.map((groupId) => ({ groupId })) },
        },
      });
    });
    return { userid: input.userid };
  });
}

/** Changes a user's fields; `groups`, when given, becomes the exact membership list. */
export async function updateUser(db: Db, by: By, input: UpdateUserInput): Promise<{ userid: string }> {
  const { userid, groups, ...fields } = input;
  return audited(
    db,
    by,
    'user.update',
    userid,
    async () => {
      if (groups) await assertGroupsExist(db, groups);
      await db.$transaction(async (tx) => {
        const user = await tx.user.findUnique({ where: { id: userid }, select: { id: true } });
        if (!user) throw new AppError('NOT_FOUND', `no user '${userid}'`);
        await tx.user.update({ where: { id: userid }, data: fields });
        if (groups) {
          await tx.groupMember.deleteMany({ where: { userId: userid } });
          await tx.groupMember.createMany({
            data: [...new Set(groups)].map((groupId) => ({ groupId, userId: userid })),
          });
        }
        // A disabled or expired user loses their sessions at once, not at the next check.
        if (fields.enabled === false)
          await tx.session.updateMany({ where: { userId: userid, revokedAt: null }, data: { revokedAt: new Date() } });
      });
      return { userid };
    },
    {
      fields: Object.keys(input)
        .filter((k) => k !== 'userid')
        .join(','),
    },
  );
}

/** Deletes a user with their ACL entries, tokens (and theirs), factors and sessions. */
export async function deleteUser(db: Db, by: By, userid: string): Promise<{ userid: string }> {
  return audited(db, by, 'user.delete', userid, async () => {
    if (by.actor.userid === userid)
      throw new AppError('CONFLICT', 'you cannot delete your own user; ask another administrator');
    await db.$transaction(async (tx) => {
      const user = await tx.user.findUnique({ where: { id: userid }, select: { id: true } });
      if (!user) throw new AppError('NOT_FOUND', `no user '${userid}'`);
      await tx.aclEntry.deleteMany({
        where: {
          OR: [
            { ugidType: 'user', ugid: userid },
            { ugidType: 'token', ugid: { startsWith: `${userid}!` } },
          ],
        },
      });
      await tx.user.delete({ where: { id: userid } });
    });
    return { userid };
  });
}

export const ZChangePassword = z.object({
  userid: ZUserid,
  password: ZPassword,
  /** Required when changing one's own password. */
  currentPassword: z.string().max(256).optional(),
});
export type ChangePasswordInput = z.infer<typeof ZChangePassword>;

// Same message for a wrong current password and a missing user, so it reveals nothing.
const BAD_PASSWORD = 'currentPassword: the current password is wrong';

/**
 * Sets a local user's password. Changing one's own needs the current one
 * (Proxmox re-authenticates too); an administrator's change revokes the
 * user's sessions.
 */
export async function changePassword(db: Db, by: By, input: ChangePasswordInput): Promise<{ userid: string }> {
  return audited(db, by, 'user.password', input.userid, async () => {
    const user = await db.user.findUnique({
      where: { id: input.userid },
      select: { passwordHash: true, realm: { select: { type: true } } },
    });
    const self = by.actor.kind === 'session' && by.actor.userid === input.userid;
    if (self && !(await verifyPassword(user?.passwordHash ?? null, input.currentPassword ?? ''))) {
      throw new AppError('INVALID_INPUT', BAD_PASSWORD, { field: 'currentPassword' });
    }
    if (!user) throw new AppError('NOT_FOUND', `no user '${input.userid}'`);
    if (user.realm.type !== 'local')
      throw new AppError('INVALID_INPUT', 'userid: only users of a local realm have a password here', {
        field: 'userid',
      });
    const passwordHash = await hashPassword(input.password);
    await db.$transaction(async (tx) => {
      await tx.user.update({ where: { id: input.userid }, data: { passwordHash } });
      const keep = by.actor.kind === 'session' && self ? by.actor.sessionId : undefined;
      await tx.session.updateMany({
        where: { userId: input.userid, revokedAt: null, ...(keep ? { id: { not: keep } } : {}) },
        data: { revokedAt: new Date() },
      });
    });
    return { userid: input.userid };
  });
}
