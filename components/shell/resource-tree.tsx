'use client';
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { cn } from '@/components/ui/cn';
import { useTRPC } from '@/components/trpc';

function Item({
  href,
  label,
  icon,
  level,
  active,
  status,
}: {
  href: string;
  label: string;
  icon: string;
  level: number;
  active: boolean;
  /** Read out after the label ("100 (web), running"). */
  status?: string;
}) {
  return (
    <li role="treeitem" aria-level={level} aria-selected={active}>
      <Link
        href={href}
        aria-label={status ? `${label}, ${status}` : undefined}
        className={cn(
          'flex items-center gap-1.5 rounded px-2 py-1 text-sm',
          active ? 'bg-brand-600 text-white' : 'hover:bg-slate-100 dark:hover:bg-slate-800',
        )}
        style={{ paddingLeft: `${level * 0.75}rem` }}
      >
        <span aria-hidden className={cn(status === 'running' || status === 'online' ? 'text-emerald-500' : undefined)}>
          {icon}
        </span>
        {label}
      </Link>
    </li>
  );
}

const GUEST_ICON: Record<string, string> = { running: '▶', paused: '❚❚', stopped: '■' };

/** Datacenter → nodes → guests, as the caller may see them. */
export function ResourceTree() {
  const trpc = useTRPC();
  const pathname = usePathname();
  const tree = useQuery(trpc.cluster.resources.queryOptions(undefined, { refetchInterval: 10_000 }));
  if (tree.error) return <p className="p-2 text-sm text-red-600">{tree.error.message}</p>;
  const data = tree.data;
  return (
    <ul role="tree" aria-label="Datacenter" className="space-y-0.5 p-1">
      <Item
        href="/datacenter"
        label={data ? `Datacenter (${data.cluster.name})` : 'Datacenter'}
        icon="▣"
        level={1}
        active={pathname.startsWith('/datacenter')}
      />
      {data?.nodes.map((node) => (
        <li key={node.name} role="none">
          <ul role="group">
            <Item
              href={`/nodes/${node.name}`}
              label={node.name}
              icon={node.status === 'online' ? '●' : '○'}
              status={node.status}
              level={2}
              active={pathname === `/nodes/${node.name}`}
            />
            {node.guests.map((g) => (
              <Item
                key={g.vmid}
                href={`/vms/${g.vmid}`}
                label={`${g.vmid} (${g.name})`}
                icon={GUEST_ICON[g.status] ?? '?'}
                status={g.status}
                level={3}
                active={pathname === `/vms/${g.vmid}`}
              />
            ))}
          </ul>
        </li>
      ))}
      {data && data.nodes.length === 0 && (
        <li role="none" className="px-3 py-1 text-xs text-slate-500">
          No nodes have joined yet.
        </li>
      )}
    </ul>
  );
}
