import { z } from 'zod';
import { ZNodeName } from '@/agent/contract/common';
import type { Db } from '@/server/db';
import type { Prisma } from '@/server/generated/prisma/client';
import type { Permissions } from '@/server/services/access/permissions';
import { reportedState } from './guests';

export const GUEST_SORT_KEYS = ['vmid', 'name', 'node', 'status'] as const;
export const MAX_PAGE = 500;

export const ZGuestSearch = z.object({
  /** Part of a name or node name, or the start of a vmid. */
  search: z.string().trim().max(100).default(''),
  node: ZNodeName.optional(),
  status: z.enum(['running', 'stopped', 'paused']).optional(),
  sort: z.enum(GUEST_SORT_KEYS).default('vmid'),
  dir: z.enum(['asc', 'desc']).default('asc'),
  offset: z.number().int().min(0).max(1_000_000).default(0),
  limit: z
    .number()
    .int()
    .min(1)
    .max(MAX_PAGE, `at most ${MAX_PAGE} rows per page: page through the rest with offset`)
    .default(100),
});
export type GuestSearch = z.infer<typeof ZGuestSearch>;

export type GuestSearchRow = {
  vmid: number;
  node: string;
  name: string;
  status: string;
  lock: string | null;
  startedAt: Date | null;
};

const ORDER: Record<GuestSearch['sort'], keyof Prisma.GuestOrderByWithRelationInput> = {
  vmid: 'vmid',
  name: 'name',
  node: 'nodeName',
  status: 'status',
};

/**
 * One page of the guests the caller may audit, filtered and sorted by the
 * database. The permission filter runs before paging, so `total` counts only
 * what the caller may see and pages never come back short.
 */
export async function searchGuests(
  db: Db,
  perms: Permissions,
  q: GuestSearch,
): Promise<{ rows: GuestSearchRow[]; total: number }> {
  const text = q.search;
  const where: Prisma.GuestWhereInput = {
    ...(q.node ? { nodeName: q.node } : {}),
    ...(q.status ? { status: q.status } : {}),
    ...(text
      ? {
          OR: [
            { name: { contains: text, mode: 'insensitive' } },
            { nodeName: { contains: text, mode: 'insensitive' } },
            ...(/^\d{1,9}$/.test(text) ? [{ vmid: Number(text) }] : []),
          ],
        }
      : {}),
  };
  const sortKey = ORDER[q.sort];
  const ids = await db.guest.findMany({
    where,
    select: { vmid: true },
    orderBy: sortKey === 'vmid' ? [{ vmid: q.dir }] : [{ [sortKey]: q.dir }, { vmid: 'asc' }],
  });
  const visible = ids.filter((g) => perms.has('VM.Audit', `/vms/${g.vmid}`));
  const page = visible.slice(q.offset, q.offset + q.limit).map((g) => g.vmid);
  if (page.length === 0) return { rows: [], total: visible.length };
  const rows = await db.guest.findMany({
    where: { vmid: { in: page } },
    select: {
      vmid: true,
      nodeName: true,
      name: true,
      status: true,
      lock: true,
      startedAt: true,
      node: { select: { lastSeenAt: true } },
    },
  });
  const byVmid = new Map(rows.map((g) => [g.vmid, g]));
  return {
    total: visible.length,
    rows: page.flatMap((vmid) => {
      const g = byVmid.get(vmid);
      if (!g) return [];
      const { status, startedAt } = reportedState(g);
      return [{ vmid, node: g.nodeName, name: g.name, status, lock: g.lock, startedAt }];
    }),
  };
}
