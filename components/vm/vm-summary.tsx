'use client';
import { useQuery } from '@tanstack/react-query';
import { formatUptime } from '@/components/ui/format';
import { Section } from '@/components/ui/section';
import { useTRPC } from '@/components/trpc';
import { VmGraphs } from './vm-graphs';
import { VmStatusBadge } from './vm-status';

export function VmSummary({ vmid }: { vmid: number }) {
  const trpc = useTRPC();
  const vm = useQuery(trpc.vm.get.queryOptions({ vmid }, { refetchInterval: 2000 }));
  if (vm.error) return <p className="text-sm text-red-600">{vm.error.message}</p>;
  if (!vm.data) return <p className="text-sm text-slate-500">Loading…</p>;
  const g = vm.data;
  const cfg = 'cores' in g.config ? g.config : null;
  return (
    <div className="space-y-6">
      <Section title="Status">
        <dl className="grid max-w-xl grid-cols-[10rem_1fr] gap-x-3 gap-y-1.5 text-sm">
          <dt className="text-slate-500">Status</dt>
          <dd>
            <VmStatusBadge status={g.status} />
            {g.lock && (
              <span className="ml-2 text-xs text-amber-600">
                locked ({g.lock.startsWith('UPID:') ? g.lock.split(':')[5] : g.lock})
              </span>
            )}
          </dd>
          {g.status === 'stopped' && g.reason && (
            <>
              <dt className="text-slate-500">Stopped because</dt>
              <dd className="text-red-700 dark:text-red-400" data-testid="vm-stop-reason">
                {g.reason}
              </dd>
            </>
          )}
          {g.startedAt && (
            <>
              <dt className="text-slate-500">Uptime</dt>
              <dd>{formatUptime((vm.dataUpdatedAt - g.startedAt.getTime()) / 1000)}</dd>
            </>
          )}
          <dt className="text-slate-500">Name</dt>
          <dd>{g.name}</dd>
          <dt className="text-slate-500">Node</dt>
          <dd>{g.node}</dd>
          {cfg && (
            <>
              <dt className="text-slate-500">CPU</dt>
              <dd>
                {cfg.sockets} socket(s) × {cfg.cores} core(s)
              </dd>
              <dt className="text-slate-500">Memory</dt>
              <dd>{cfg.memoryMiB} MiB</dd>
            </>
          )}
          {g.pending && Object.keys(g.pending).length > 0 && (
            <>
              <dt className="text-slate-500">Pending</dt>
              <dd className="text-amber-700 dark:text-amber-400">
                {Object.keys(g.pending).join(', ')}: applied at the next start
              </dd>
            </>
          )}
        </dl>
      </Section>
      <VmGraphs vmid={vmid} />
    </div>
  );
}
