'use client';
import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '@/components/trpc';
import type { ResourceTree } from '@/server/services/cluster/resources';

export function DatacenterSummary() {
  const trpc = useTRPC();
  const tree = useQuery(
    trpc.cluster.resources.queryOptions(undefined, { select: (json) => JSON.parse(json) as ResourceTree }),
  );
  if (tree.error) return <p className="text-sm text-red-600">{tree.error.message}</p>;
  if (!tree.data) return <p className="text-sm text-slate-500">Loading…</p>;
  const nodes = tree.data.nodes;
  const guests = nodes.flatMap((n) => n.guests);
  const cards = [
    { label: 'Cluster', value: tree.data.cluster.name },
    { label: 'Nodes online', value: `${nodes.filter((n) => n.status === 'online').length} / ${nodes.length}` },
    { label: 'Guests running', value: `${guests.filter((g) => g.status === 'running').length} / ${guests.length}` },
  ];
  return (
    <section aria-label="Summary" className="grid gap-3 sm:grid-cols-3">
      {cards.map((c) => (
        <div
          key={c.label}
          className="rounded border border-slate-200 bg-white p-3 dark:border-slate-800 dark:bg-slate-900"
        >
          <div className="text-xs uppercase tracking-wide text-slate-500">{c.label}</div>
          <div className="mt-1 text-xl font-semibold">{c.value}</div>
        </div>
      ))}
    </section>
  );
}
