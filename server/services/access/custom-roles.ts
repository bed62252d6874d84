import { z } from 'zod';
import { isPrivilege, PRIVILEGES } from '@/server/access/privileges';
import { BUILTIN_ROLES, checkCustomRoleName, isBuiltinRole } from '@/server/access/roles';
import type { Db } from '@/server/db';
import { AppError } from '@/server/errors';
import { audited, type By } from './by';
import type { Permissions } from './permissions';

export const ZRoleId = z.string().trim().min(1, 'enter a role name').max(64, 'a role name has at most 64 characters');

export const ZRoleInput = z.object({
  roleid: ZRoleId,
  privileges: z
    .array(z.string())
    .max(PRIVILEGES.length * 2)
    .superRefine((list, ctx) => {
      const bad = list.find((p) => !isPrivilege(p));
      if (bad !== undefined) ctx.addIssue({ code: 'custom', message: `unknown privilege '${bad}'` });
    }),
});
export type RoleInput = z.infer<typeof ZRoleInput>;

export const ZRoleRow = z.object({
  roleid: z.string(),
  builtin: z.boolean(),
  privileges: z.array(z.string()),
  can: z.object({ edit: z.boolean(), delete: z.boolean() }),
});
export type RoleRow = z.infer<typeof ZRoleRow>;

/** Every role, built-in ones first; anyone may read them, as in Proxmox. */
export async function listRoles(db: Db, perms: Permissions): Promise<RoleRow[]> {
  const custom = await db.role.findMany({
    where: { builtin: false },
    orderBy: { id: 'asc' },
    select: { id: true, privileges: true },
  });
  const modify = perms.has('Sys.Modify', '/access');
  return [
    ...Object.entries(BUILTIN_ROLES).map(([roleid, privileges]) => ({
      roleid,
      builtin: true,
      privileges: [...privileges],
      can: { edit: false, delete: false },
    })),
    ...custom.map((r) => ({
      roleid: r.id,
      builtin: false,
      privileges: r.privileges.filter(isPrivilege),
      can: { edit: modify, delete: modify },
    })),
  ];
}

function ordered(privileges: readonly string[]): string[] {
  return PRIVILEGES.filter((p) => privileges.includes(p));
}

export async function createRole(db: Db, by: By, input: RoleInput): Promise<{ roleid: string }> {
  return audited(
    db,
    by,
    'role.create',
    input.roleid,
    async () => {
      const problem = checkCustomRoleName(input.roleid);
      if (problem) throw new AppError('INVALID_INPUT', `roleid: ${problem}`, { field: 'roleid' });
      await db.$transaction(async (tx) => {
        if (await tx.role.findUnique({ where: { id: input.roleid }, select: { id: true } })) {
          throw new AppError('CONFLICT', `role '${input.roleid}' already exists`);
        }
        await tx.role.create({ data: { id: input.roleid, privileges: ordered(input.privileges), builtin: false } });
      });
      return { roleid: input.roleid };
    },
    { privileges: ordered(input.privileges).join(',') },
  );
}

async function customRoleOrThrow(db: Db, roleid: string): Promise<void> {
  if (isBuiltinRole(roleid)) throw new AppError('CONFLICT', `role '${roleid}' is built in and cannot be changed`);
  const role = await db.role.findUnique({ where: { id: roleid }, select: { builtin: true } });
  if (!role || role.builtin) throw new AppError('NOT_FOUND', `no role '${roleid}'`);
}

export async function updateRole(db: Db, by: By, input: RoleInput): Promise<{ roleid: string }> {
  return audited(
    db,
    by,
    'role.update',
    input.roleid,
    async () => {
      await customRoleOrThrow(db, input.roleid);
      await db.role.update({ where: { id: input.roleid }, data: { privileges: ordered(input.privileges) } });
      return { roleid: input.roleid };
    },
    { privileges: ordered(input.privileges).join(',') },
  );
}

/** Deletes a custom role; its ACL entries go with it (Proxmox's `delete_role`). */
export async function deleteRole(db: Db, by: By, roleid: string): Promise<{ roleid: string }> {
  return audited(db, by, 'role.delete', roleid, async () => {
    await customRoleOrThrow(db, roleid);
    await db.role.delete({ where: { id: roleid } });
    return { roleid };
  });
}
