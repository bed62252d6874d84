import { z } from 'zod';
import type { Db } from '@/server/db';
import { AppError } from '@/server/errors';
import { audited, type By } from './by';
import type { Permissions } from './permissions';
import { ZGroupId } from './users';

export const ZGroupInput = z.object({
  group: ZGroupId,
  comment: z.string().trim().max(255, 'a comment has at most 255 characters').default(''),
});
export type GroupInput = z.infer<typeof ZGroupInput>;

export const ZGroupRow = z.object({
  group: z.string(),
  comment: z.string(),
  members: z.array(z.string()),
  can: z.object({ edit: z.boolean(), delete: z.boolean(), manageMembers: z.boolean() }),
});
export type GroupRow = z.infer<typeof ZGroupRow>;

/** Groups on which the caller holds User.Modify, Sys.Audit or Group.Allocate (Proxmox's `GET /access/groups`). */
export async function listGroups(db: Db, perms: Permissions): Promise<GroupRow[]> {
  const rows = await db.group.findMany({
    orderBy: { id: 'asc' },
    select: { id: true, comment: true, members: { select: { userId: true } } },
  });
  const allocate = perms.has('Group.Allocate', '/access/groups');
  return rows.flatMap((g) => {
    const path = `/access/groups/${g.id}`;
    if (!(['User.Modify', 'Sys.Audit', 'Group.Allocate'] as const).some((p) => perms.has(p, path))) return [];
    const members = g.members.map((m) => m.userId).sort();
    return [
      {
        group: g.id,
        comment: g.comment,
        members,
        can: { edit: allocate, delete: allocate, manageMembers: perms.has('User.Modify', path) },
      },
    ];
  });
}

export async function createGroup(db: Db, by: By, input: GroupInput): Promise<{ group: string }> {
  return audited(db, by, 'group.create', input.group, async () => {
    await db.$transaction(async (tx) => {
      if (await tx.group.findUnique({ where: { id: input.group }, select: { id: true } })) {
        throw new AppError('CONFLICT', `group '${input.group}' already exists`);
      }
      await tx.group.create({ data: { id: input.group, comment: input.comment } });
    });
    return { group: input.group };
  });
}

export async function updateGroup(db: Db, by: By, input: GroupInput): Promise<{ group: string }> {
  return audited(db, by, 'group.update', input.group, async () => {
    const { count } = await db.group.updateMany({ where: { id: input.group }, data: { comment: input.comment } });
    if (count === 0) throw new AppError('NOT_FOUND', `no group '${input.group}'`);
    return { group: input.group };
  });
}

/** Deletes a group and the ACL entries naming it (Proxmox's `delete_group_acl`). */
export async function deleteGroup(db: Db, by: By, group: string): Promise<{ group: string }> {
  return audited(db, by, 'group.delete', group, async () => {
    await db.$transaction(async (tx) => {
      const { count } = await tx.group.deleteMany({ where: { id: group } });
      if (count === 0) throw new AppError('NOT_FOUND', `no group '${group}'`);
      await tx.aclEntry.deleteMany({ where: { ugidType: 'group', ugid: group } });
    });
    return { group };
  });
}
