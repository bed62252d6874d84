import { z } from 'zod';
import { ZNodeName } from '@/agent/contract/common';
import type { Db } from '@/server/db';
import type { Permissions } from '@/server/services/access/permissions';
import { guestSnapshot, nodeSnapshot, type SnapshotGuest } from '@/server/services/cluster/guest-snapshot';
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

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const ORDER: Record<GuestSearch['sort'], (a: SnapshotGuest, b: SnapshotGuest) => number> = {
  vmid: (a, b) => a.vmid - b.vmid,
  name: (a, b) => compareText(a.name, b.name),
  node: (a, b) => compareText(a.node, b.node),
  status: (a, b) => compareText(a.status, b.status),
};

/**
 * One page of the guests the caller may audit, filtered and sorted on the
 * server from the guest snapshot (server/services/cluster/guest-snapshot.ts:
 * read from the database only when something changed). The permission filter
 * runs before paging, so `total` counts only what the caller may see and pages
 * never come back short. Text matches part of a name or node name, case
 * insensitively, or a whole vmid; ties sort by vmid.
 */
export async function searchGuests(
  db: Db,
  perms: Permissions,
  q: GuestSearch,
  known?: bigint,
): Promise<{ rows: GuestSearchRow[]; total: number }> {
  const [{ guests }, { lastSeen }] = await Promise.all([guestSnapshot(db, known), nodeSnapshot(db, known)]);
  const text = q.search.toLowerCase();
  const vmid = /^\d{1,9}$/.test(text) ? Number(text) : null;
  const nodeMatches = new Map<string, boolean>();
  const nodeMatch = (node: string): boolean => {
    let m = nodeMatches.get(node);
    if (m === undefined) nodeMatches.set(node, (m = node.toLowerCase().includes(text)));
    return m;
  };
  const visible = guests.filter(
    (g) =>
      (q.node === undefined || g.node === q.node) &&
      (q.status === undefined || g.status === q.status) &&
      (text === '' || g.nameLower.includes(text) || nodeMatch(g.node) || g.vmid === vmid) &&
      perms.has('VM.Audit', `/vms/${g.vmid}`),
  );
  const order = ORDER[q.sort];
  const sign = q.dir === 'desc' ? -1 : 1;
  // The snapshot is in vmid order and the sort is stable, so ties stay in vmid order.
  if (q.sort !== 'vmid' || q.dir === 'desc') visible.sort((a, b) => sign * order(a, b));
  return {
    total: visible.length,
    rows: visible.slice(q.offset, q.offset + q.limit).map((g) => {
      const { status, startedAt } = reportedState({ ...g, node: { lastSeenAt: lastSeen.get(g.node) ?? null } });
      return { vmid: g.vmid, node: g.node, name: g.name, status, lock: g.lock, startedAt };
    }),
  };
}
