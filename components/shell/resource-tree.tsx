'use client';
import { useQuery } from '@tanstack/react-query';
import { useVirtualizer } from '@tanstack/react-virtual';
import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { useDeferredValue, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { cn } from '@/components/ui/cn';
import { useTRPC } from '@/components/trpc';
import { parseResourceTree } from '@/server/services/cluster/tree-wire';
import { indexTree, treeRows, type TreeRow } from './tree-rows';

const ROW_PX = 28;
const GUEST_ICON: Record<string, string> = { running: '▶', paused: '❚❚', stopped: '■' };

function Item({
  href,
  label,
  icon,
  level,
  active,
  status,
  toggle,
}: {
  href: string;
  label: string;
  icon: string;
  level: number;
  active: boolean;
  /** Read out after the label ("100 (web), running"). */
  status?: string;
  toggle?: { expanded: boolean; onToggle: () => void; count: string };
}) {
  return (
    <div
      className={cn(
        'flex h-7 items-center gap-1.5 rounded px-2 text-sm',
        active ? 'bg-brand-600 text-white' : 'hover:bg-slate-100 dark:hover:bg-slate-800',
      )}
      style={{ paddingLeft: `${level * 0.75}rem` }}
    >
      {toggle && (
        <button
          type="button"
          // Keyboard users fold with the arrow keys; the button is for the mouse.
          tabIndex={-1}
          aria-hidden
          aria-label={toggle.expanded ? `Collapse ${label}` : `Expand ${label}`}
          onClick={toggle.onToggle}
          className="w-3 text-xs text-slate-500"
        >
          {toggle.expanded ? '▾' : '▸'}
        </button>
      )}
      <Link
        href={href}
        aria-label={status ? `${label}, ${status}` : undefined}
        className="flex min-w-0 flex-1 items-center gap-1.5 truncate focus:outline-none"
      >
        <span aria-hidden className={cn(status === 'running' || status === 'online' ? 'text-emerald-500' : undefined)}>
          {icon}
        </span>
        <span className="truncate">{label}</span>
        {toggle && <span className="ml-auto text-xs text-slate-400">{toggle.count}</span>}
      </Link>
    </div>
  );
}

/**
 * Datacenter → nodes → guests, as the caller may see them. Only the rows in
 * view are rendered, so ten thousand guests scroll as smoothly as ten; the
 * search filters by vmid, name or node as you type.
 */
export function ResourceTree() {
  const trpc = useTRPC();
  const pathname = usePathname();
  const tree = useQuery(
    trpc.cluster.resources.queryOptions(undefined, { refetchInterval: 10_000, select: parseResourceTree }),
  );
  const [search, setSearch] = useState('');
  const deferred = useDeferredValue(search);
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(new Set());
  const indexed = useMemo(() => indexTree(tree.data?.nodes ?? []), [tree.data]);
  const rows = useMemo(() => treeRows(indexed, collapsed, deferred), [indexed, collapsed, deferred]);
  const scroller = useRef<HTMLDivElement>(null);
  // eslint-disable-next-line react-hooks/incompatible-library -- the virtualizer drives its own re-renders
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_PX,
    overscan: 12,
  });

  const toggle = (node: string) =>
    setCollapsed((s) => {
      const next = new Set(s);
      if (next.has(node)) next.delete(node);
      else next.add(node);
      return next;
    });

  // Arrow keys move between rows (scrolling the virtual list), left/right fold a node.
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const current = (e.target as HTMLElement).closest<HTMLElement>('[data-row]');
    if (!current) return;
    const index = Number(current.dataset.row);
    const row = rows[index];
    const focusRow = (i: number) => {
      if (i < 0 || i >= rows.length) return;
      e.preventDefault();
      virtualizer.scrollToIndex(i);
      requestAnimationFrame(() => scroller.current?.querySelector<HTMLElement>(`[data-row="${i}"] a`)?.focus());
    };
    if (e.key === 'ArrowDown') focusRow(index + 1);
    else if (e.key === 'ArrowUp') focusRow(index - 1);
    else if (e.key === 'Home') focusRow(0);
    else if (e.key === 'End') focusRow(rows.length - 1);
    else if (row?.kind === 'node' && (e.key === 'ArrowLeft' || e.key === 'ArrowRight')) {
      e.preventDefault();
      if (row.expanded === (e.key === 'ArrowLeft')) toggle(row.name);
    }
  };

  if (tree.error) return <p className="p-2 text-sm text-red-600">{tree.error.message}</p>;
  const data = tree.data;
  const total = indexed.reduce((s, n) => s + n.guests.length, 0);
  const shownGuests = rows.filter((r) => r.kind === 'guest').length;

  const renderRow = (row: TreeRow) =>
    row.kind === 'node' ? (
      <Item
        href={`/nodes/${row.name}`}
        label={row.name}
        icon={row.status === 'online' ? '●' : '○'}
        status={row.status}
        level={2}
        active={pathname === `/nodes/${row.name}`}
        toggle={{
          expanded: row.expanded,
          onToggle: () => toggle(row.name),
          count: row.shown === row.guests ? String(row.guests) : `${row.shown}/${row.guests}`,
        }}
      />
    ) : (
      <Item
        href={`/vms/${row.vmid}`}
        label={`${row.vmid} (${row.name})`}
        icon={GUEST_ICON[row.status] ?? '?'}
        status={row.status}
        level={3}
        active={pathname === `/vms/${row.vmid}`}
      />
    );

  return (
    <div className="flex h-full min-h-0 flex-col">
      <div className="border-b border-slate-200 p-1.5 dark:border-slate-800">
        <input
          type="search"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
          placeholder="Search vmid, name, node"
          aria-label="Search the resource tree"
          className="w-full rounded border border-slate-300 bg-transparent px-2 py-1 text-sm dark:border-slate-700"
        />
        {search.trim() !== '' && (
          <p role="status" className="px-1 pt-1 text-xs text-slate-500">
            {shownGuests} of {total} guests
          </p>
        )}
      </div>
      <div ref={scroller} className="min-h-0 flex-1 overflow-auto p-1" onKeyDown={onKeyDown}>
        <div role="tree" aria-label="Datacenter">
          <div role="treeitem" aria-level={1} aria-selected={pathname.startsWith('/datacenter')} aria-expanded>
            <Item
              href="/datacenter"
              label={data ? `Datacenter (${data.cluster.name})` : 'Datacenter'}
              icon="▣"
              level={1}
              active={pathname.startsWith('/datacenter')}
            />
          </div>
          <div role="group" className="relative" style={{ height: virtualizer.getTotalSize() }}>
            {virtualizer.getVirtualItems().map((v) => {
              const row = rows[v.index]!;
              const level = row.kind === 'node' ? 2 : 3;
              const active = row.kind === 'node' ? pathname === `/nodes/${row.name}` : pathname === `/vms/${row.vmid}`;
              return (
                <div
                  key={row.kind === 'node' ? `n:${row.name}` : `g:${row.vmid}`}
                  data-row={v.index}
                  role="treeitem"
                  aria-level={level}
                  aria-selected={active}
                  aria-expanded={row.kind === 'node' ? row.expanded : undefined}
                  className="absolute inset-x-0"
                  style={{ top: v.start, height: ROW_PX }}
                >
                  {renderRow(row)}
                </div>
              );
            })}
          </div>
          {data && data.nodes.length === 0 && (
            <p className="px-3 py-1 text-xs text-slate-500">No nodes have joined yet.</p>
          )}
          {data && data.nodes.length > 0 && rows.length === 0 && (
            <p className="px-3 py-1 text-xs text-slate-500">Nothing matches “{search}”.</p>
          )}
        </div>
      </div>
    </div>
  );
}
