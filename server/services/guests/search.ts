import { z } from 'zod';
import { ZNodeName } from '@/agent/contract/common';
import type { Db } from '@/server/db';
import type { Permissions } from '@/server/services/access/permissions';
import {
  guestSnapshot,
  nodeSnapshot,
  type GuestSnapshot,
  type SnapshotGuest,
} from '@/server/services/cluster/guest-snapshot';
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

/** Per node's guest list (the same array while none of them changes): their lower-case names, one per line. */
const namesOf = new WeakMap<readonly SnapshotGuest[], string>();
function names(list: readonly SnapshotGuest[]): string {
  let joined = namesOf.get(list);
  if (joined === undefined) namesOf.set(list, (joined = list.map((g) => g.nameLower).join('\n')));
  return joined;
}

/**
 * The guests whose name or node name contains `text`, or whose vmid it is.
 * Node by node: a node whose name matches gives all its guests, and a node's
 * guests are looked at one by one only when the node's joined names contain
 * the text. Scanning one string per node instead of ten thousand objects
 * scattered over the heap is what keeps a search cheap on a busy console.
 */
function matching(snapshot: GuestSnapshot, text: string, node: string | undefined): SnapshotGuest[] {
  const out: SnapshotGuest[] = [];
  const vmid = /^\d{1,9}$/.test(text) ? Number(text) : null;
  const oneLine = !text.includes('\n');
  for (const name of node === undefined ? snapshot.nodes() : [node]) {
    const list = snapshot.onNode(name);
    if (name.toLowerCase().includes(text)) for (const g of list) out.push(g);
    else if (!oneLine || names(list).includes(text)) {
      for (const g of list) if (g.nameLower.includes(text)) out.push(g);
    }
  }
  const byId = vmid === null ? undefined : snapshot.byVmid.get(vmid);
  if (byId && (node === undefined || byId.node === node) && !out.includes(byId)) out.push(byId);
  return out;
}

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
  const [snapshot, { lastSeen }] = await Promise.all([guestSnapshot(db, known), nodeSnapshot(db, known)]);
  const text = q.search.toLowerCase();
  // Without text, the snapshot's own lists are already in vmid order.
  const candidates =
    text !== '' ? matching(snapshot, text, q.node) : q.node === undefined ? snapshot.guests : snapshot.onNode(q.node);
  const visible = candidates.filter(
    (g) => (q.status === undefined || g.status === q.status) && perms.has('VM.Audit', `/vms/${g.vmid}`),
  );
  const order = ORDER[q.sort];
  const sign = q.dir === 'desc' ? -1 : 1;
  if (text !== '' || q.sort !== 'vmid' || q.dir === 'desc')
    visible.sort((a, b) => sign * order(a, b) || a.vmid - b.vmid);
  return {
    total: visible.length,
    rows: visible.slice(q.offset, q.offset + q.limit).map((g) => {
      const { status, startedAt } = reportedState({ ...g, node: { lastSeenAt: lastSeen.get(g.node) ?? null } });
      return { vmid: g.vmid, node: g.node, name: g.name, status, lock: g.lock, startedAt };
    }),
  };
}
