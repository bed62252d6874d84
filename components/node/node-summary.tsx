'use client';
import { useQuery } from '@tanstack/react-query';
import { formatBytes, formatUptime } from '@/components/ui/format';
import { Section } from '@/components/ui/section';
import { useTRPC } from '@/components/trpc';
import { NodeGraphs } from './node-graphs';

export function NodeSummary({ node }: { node: string }) {
  const trpc = useTRPC();
  const nodes = useQuery(trpc.node.list.queryOptions(undefined, { refetchInterval: 5000 }));
  const n = nodes.data?.find((x) => x.name === node);
  if (nodes.error) return <p className="text-sm text-red-600">{nodes.error.message}</p>;
  if (!nodes.data) return <p className="text-sm text-slate-500">Loading…</p>;
  if (!n) return <p className="text-sm text-red-600">no such node: {node}</p>;
  const f = n.facts;
  return (
    <div className="space-y-6">
      <Section title="Status">
        <dl className="grid max-w-2xl grid-cols-[10rem_1fr] gap-x-3 gap-y-1.5 text-sm">
          <dt className="text-slate-500">Status</dt>
          <dd data-testid="node-status">{n.status}</dd>
          <dt className="text-slate-500">Agent</dt>
          <dd>{n.url}</dd>
          {f && (
            <>
              <dt className="text-slate-500">CPU</dt>
              <dd>
                {f.cpu.count} × {f.cpu.model} (load {f.cpu.loadAverage.map((l) => l.toFixed(2)).join(', ')})
              </dd>
              <dt className="text-slate-500">Memory</dt>
              <dd>
                {formatBytes(f.memory.totalBytes - f.memory.freeBytes)} of {formatBytes(f.memory.totalBytes)} used
              </dd>
              <dt className="text-slate-500">Uptime</dt>
              <dd>{formatUptime(f.uptimeSeconds)}</dd>
              <dt className="text-slate-500">Kernel</dt>
              <dd>{f.kernel}</dd>
              <dt className="text-slate-500">QEMU</dt>
              <dd>{f.qemuVersion ?? 'not installed'}</dd>
              <dt className="text-slate-500">Acceleration</dt>
              <dd data-testid="node-accel">
                {f.kvm.usable ? 'KVM (hardware)' : 'TCG (software emulation: slow; /dev/kvm is missing or not usable)'}
              </dd>
            </>
          )}
        </dl>
      </Section>
      <NodeGraphs node={node} />
    </div>
  );
}
