import { z } from 'zod';
import type { Db } from '@/server/db';
import { AppError } from '@/server/errors';
import { audited, isUniqueViolation, type By } from './by';
import type { Permissions } from './permissions';

const ID = /^[A-Za-z0-9][A-Za-z0-9.\-_]{0,63}$/;
export const ZPoolId = z.string().trim().regex(ID, 'a pool name has 1 to 64 letters, digits, ".", "-" or "_"');
const ZVmid = z.number().int().min(100, 'a vmid is at least 100').max(999_999_999);
const ZStorageId = z.string().trim().regex(ID, 'a storage id has letters, digits, ".", "-" or "_"');

export const ZPoolInput = z.object({
  pool: ZPoolId,
  comment: z.string().trim().max(255, 'a comment has at most 255 characters').default(''),
});
export type PoolInput = z.infer<typeof ZPoolInput>;

export const ZPoolMembers = z.object({
  pool: ZPoolId,
  vms: z.array(ZVmid).max(1000).default([]),
  storage: z.array(ZStorageId).max(1000).default([]),
  /** Remove these members instead of adding them. */
  remove: z.boolean().default(false),
});
export type PoolMembersInput = z.infer<typeof ZPoolMembers>;

export const ZPoolRow = z.object({
  pool: z.string(),
  comment: z.string(),
  vms: z.array(z.number()),
  storage: z.array(z.string()),
  can: z.object({ edit: z.boolean(), delete: z.boolean() }),
});
export type PoolRow = z.infer<typeof ZPoolRow>;

/** Pools on which the caller holds Pool.Audit (Proxmox's `GET /pools`). */
export async function listPools(db: Db, perms: Permissions): Promise<PoolRow[]> {
  const rows = await db.pool.findMany({
    orderBy: { id: 'asc' },
    select: { id: true, comment: true, members: { select: { type: true, memberId: true } } },
  });
  return rows.flatMap((p) => {
    const path = `/pool/${p.id}`;
    if (!perms.has('Pool.Audit', path)) return [];
    const allocate = perms.has('Pool.Allocate', path);
    return [
      {
        pool: p.id,
        comment: p.comment,
        vms: p.members
          .filter((m) => m.type === 'vm')
          .map((m) => Number(m.memberId))
          .sort((a, b) => a - b),
        storage: p.members
          .filter((m) => m.type === 'storage')
          .map((m) => m.memberId)
          .sort(),
        can: { edit: allocate, delete: allocate && p.members.length === 0 },
      },
    ];
  });
}

export async function createPool(db: Db, by: By, input: PoolInput): Promise<{ pool: string }> {
  return audited(db, by, 'pool.create', input.pool, async () => {
    try {
      await db.pool.create({ data: { id: input.pool, comment: input.comment } });
    } catch (e) {
      if (isUniqueViolation(e)) throw new AppError('CONFLICT', `pool '${input.pool}' already exists`);
      throw e;
    }
    return { pool: input.pool };
  });
}

export async function updatePool(db: Db, by: By, input: PoolInput): Promise<{ pool: string }> {
  return audited(db, by, 'pool.update', input.pool, async () => {
    const { count } = await db.pool.updateMany({ where: { id: input.pool }, data: { comment: input.comment } });
    if (count === 0) throw new AppError('NOT_FOUND', `no pool '${input.pool}'`);
    return { pool: input.pool };
  });
}

/**
 * Adds or removes guests and storages. As Proxmox's `update_pool`: each guest
 * needs VM.Allocate on /vms/{vmid}, each storage Datastore.Allocate on
 * /storage/{id}; a member is in at most one pool.
 */
export async function changePoolMembers(
  db: Db,
  by: By,
  perms: Permissions,
  input: PoolMembersInput,
): Promise<{ pool: string }> {
  const members = [
    ...input.vms.map((v) => ({ type: 'vm', memberId: String(v) })),
    ...input.storage.map((s) => ({ type: 'storage', memberId: s })),
  ];
  return audited(
    db,
    by,
    input.remove ? 'pool.members.remove' : 'pool.members.add',
    input.pool,
    async () => {
      for (const vmid of input.vms) {
        if (!perms.has('VM.Allocate', `/vms/${vmid}`))
          throw new AppError(
            'FORBIDDEN',
            `permission check failed: VM.Allocate on /vms/${vmid} is needed to move guest ${vmid} into or out of a pool`,
          );
      }
      for (const id of input.storage) {
        if (!perms.has('Datastore.Allocate', `/storage/${id}`))
          throw new AppError(
            'FORBIDDEN',
            `permission check failed: Datastore.Allocate on /storage/${id} is needed to move storage '${id}' into or out of a pool`,
          );
      }
      await db.$transaction(async (tx) => {
        if (!(await tx.pool.findUnique({ where: { id: input.pool }, select: { id: true } })))
          throw new AppError('NOT_FOUND', `no pool '${input.pool}'`);
        if (input.remove) {
          for (const m of members) await tx.poolMember.deleteMany({ where: { poolId: input.pool, ...m } });
          return;
        }
        const guests = await tx.guest.findMany({ where: { vmid: { in: input.vms } }, select: { vmid: true } });
        const missing = input.vms.find((v) => !guests.some((g) => g.vmid === v));
        if (missing !== undefined) throw new AppError('INVALID_INPUT', `vms: no guest ${missing}`, { field: 'vms' });
        for (const m of members) {
          const other = await tx.poolMember.findUnique({ where: { type_memberId: m }, select: { poolId: true } });
          if (other && other.poolId !== input.pool) {
            throw new AppError(
              'CONFLICT',
              `${m.type === 'vm' ? 'guest' : 'storage'} ${m.memberId} is already in pool '${other.poolId}'; remove it there first`,
            );
          }
          if (!other) await tx.poolMember.create({ data: { poolId: input.pool, ...m } });
        }
      });
      return { pool: input.pool };
    },
    { vms: input.vms.join(','), storage: input.storage.join(',') },
  );
}

/** Deletes an empty pool and the ACL entries on it. */
export async function deletePool(db: Db, by: By, pool: string): Promise<{ pool: string }> {
  return audited(db, by, 'pool.delete', pool, async () => {
    await db.$transaction(async (tx) => {
      const p = await tx.pool.findUnique({ where: { id: pool }, select: { _count: { select: { members: true } } } });
      if (!p) throw new AppError('NOT_FOUND', `no pool '${pool}'`);
      if (p._count.members > 0)
        throw new AppError('CONFLICT', `pool '${pool}' is not empty: remove its guests and storages first`);
      await tx.pool.delete({ where: { id: pool } });
      await tx.aclEntry.deleteMany({ where: { path: `/pool/${pool}` } });
    });
    return { pool };
  });
}
