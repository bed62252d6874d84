'use client';
import { keepPreviousData, useQueries, useQuery } from '@tanstack/react-query';
import { useVirtualizer } from '@tanstack/react-virtual';
import Link from 'next/link';
import { useEffect, useRef, useState } from 'react';
import { useTRPC } from '@/components/trpc';
import { formatUptime } from '@/components/ui/format';
import { VmStatusBadge } from './vm-status';

const PAGE = 200;
const ROW_PX = 32;
type SortKey = 'vmid' | 'name' | 'node' | 'status';
const COLUMNS: { key: SortKey; header: string; width: string }[] = [
  { key: 'vmid', header: 'ID', width: 'w-24' },
  { key: 'name', header: 'Name', width: 'flex-1' },
  { key: 'node', header: 'Node', width: 'w-32' },
  { key: 'status', header: 'Status', width: 'w-28' },
];

/**
 * Every guest of the datacenter the caller may audit, as Proxmox's
 * Datacenter → Search: filtered and sorted by the server, fetched a page at
 * a time as the list scrolls, and only the rows in view rendered, so ten
 * thousand guests behave like ten.
 */
export function GuestSearch() {
  const trpc = useTRPC();
  const [text, setText] = useState('');
  const [search, setSearch] = useState('');
  const [status, setStatus] = useState<'' | 'running' | 'stopped' | 'paused'>('');
  const [sort, setSort] = useState<{ key: SortKey; dir: 'asc' | 'desc' }>({ key: 'vmid', dir: 'asc' });
  useEffect(() => {
    const timer = setTimeout(() => setSearch(text.trim()), 150);
    return () => clearTimeout(timer);
  }, [text]);

  const base = { search, sort: sort.key, dir: sort.dir, ...(status ? { status } : {}) };
  const first = useQuery(
    trpc.vm.search.queryOptions(
      { ...base, offset: 0, limit: PAGE },
      { placeholderData: keepPreviousData, refetchInterval: 10_000 },
    ),
  );
  const total = first.data?.total ?? 0;
  const scroller = useRef<HTMLDivElement>(null);
  // eslint-disable-next-line react-hooks/incompatible-library -- the virtualizer drives its own re-renders
  const virtualizer = useVirtualizer({
    count: total,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_PX,
    overscan: 20,
  });
  const items = virtualizer.getVirtualItems();
  const pages = [...new Set(items.map((i) => Math.floor(i.index / PAGE)))].filter((p) => p > 0);
  const rest = useQueries({
    queries: pages.map((p) =>
      trpc.vm.search.queryOptions({ ...base, offset: p * PAGE, limit: PAGE }, { refetchInterval: 10_000 }),
    ),
  });
  const pageData = new Map([[0, first.data?.rows], ...pages.map((p, i) => [p, rest[i]?.data?.rows] as const)]);
  const rowAt = (index: number) => pageData.get(Math.floor(index / PAGE))?.[index % PAGE];

  const toggleSort = (key: SortKey) =>
    setSort((s) => (s.key === key ? { key, dir: s.dir === 'asc' ? 'desc' : 'asc' } : { key, dir: 'asc' }));

  return (
    <div className="flex flex-col gap-2 p-4">
      <div className="flex items-center gap-2">
        <input
          type="search"
          aria-label="Filter guests"
          placeholder="Filter by vmid, name or node"
          value={text}
          onChange={(e) => setText(e.target.value)}
          className="w-72 rounded border border-slate-300 bg-white px-2 py-1 text-sm dark:border-slate-600 dark:bg-slate-900"
        />
        <select
          aria-label="Status"
          value={status}
          onChange={(e) => setStatus(e.target.value as typeof status)}
          className="rounded border border-slate-300 bg-white px-2 py-1 text-sm dark:border-slate-600 dark:bg-slate-900"
        >
          <option value="">any status</option>
          <option value="running">running</option>
          <option value="stopped">stopped</option>
          <option value="paused">paused</option>
        </select>
        <span role="status" className="text-xs text-slate-500">
          {first.isPending ? 'Loading…' : `${total} guests`}
        </span>
      </div>
      {first.error && <p className="text-sm text-red-600">{first.error.message}</p>}
      <div
        role="table"
        aria-label="Guests"
        aria-rowcount={total + 1}
        className="flex h-[calc(100vh-22rem)] min-h-64 flex-col text-sm"
      >
        <div role="rowgroup" className="border-b border-slate-200 text-xs text-slate-500 dark:border-slate-800">
          <div role="row" aria-rowindex={1} className="flex gap-3 py-1">
            {COLUMNS.map((c) => (
              <div
                key={c.key}
                role="columnheader"
                className={c.width}
                aria-sort={sort.key === c.key ? (sort.dir === 'asc' ? 'ascending' : 'descending') : undefined}
              >
                <button type="button" className="font-medium hover:underline" onClick={() => toggleSort(c.key)}>
                  {c.header}
                  {sort.key === c.key ? (sort.dir === 'asc' ? ' ▲' : ' ▼') : ''}
                </button>
              </div>
            ))}
            <div role="columnheader" className="w-28 font-medium">
              Uptime
            </div>
          </div>
        </div>
        <div ref={scroller} role="rowgroup" className="min-h-0 flex-1 overflow-auto">
          <div className="relative" style={{ height: virtualizer.getTotalSize() }}>
            {items.map((v) => {
              const g = rowAt(v.index);
              return (
                <div
                  key={v.index}
                  role="row"
                  aria-rowindex={v.index + 2}
                  className="absolute inset-x-0 flex items-center gap-3 border-b border-slate-100 dark:border-slate-800"
                  style={{ top: v.start, height: ROW_PX }}
                >
                  {g ? (
                    <>
                      <div role="cell" className="w-24">
                        <Link href={`/vms/${g.vmid}`} className="text-brand-600 hover:underline">
                          {g.vmid}
                        </Link>
                      </div>
                      <div role="cell" className="flex-1 truncate">
                        {g.name}
                      </div>
                      <div role="cell" className="w-32 truncate">
                        {g.node}
                      </div>
                      <div role="cell" className="w-28">
                        <VmStatusBadge status={g.status} />
                      </div>
                      <div role="cell" className="w-28 text-slate-500">
                        {g.startedAt ? formatUptime(Math.max(0, (Date.now() - g.startedAt.getTime()) / 1000)) : ''}
                      </div>
                    </>
                  ) : (
                    <div role="cell" className="text-slate-400">
                      …
                    </div>
                  )}
                </div>
              );
            })}
          </div>
          {first.data && total === 0 && <p className="py-2 text-slate-500">No guests match.</p>}
        </div>
      </div>
    </div>
  );
}
