'use client';
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import type { ReactNode } from 'react';
import { formatValue } from '@/components/charts/units';
import { formatBytes, formatDateTime } from '@/components/ui/format';
import { Section } from '@/components/ui/section';
import { useTRPC } from '@/components/trpc';

function Card({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div
      role="group"
      aria-label={label}
      className="rounded border border-slate-200 bg-white p-3 dark:border-slate-800 dark:bg-slate-900"
    >
      <div className="text-xs uppercase tracking-wide text-slate-500">{label}</div>
      <div className="mt-1 text-xl font-semibold">{children}</div>
    </div>
  );
}

function Usage({
  label,
  used,
  total,
  format,
}: {
  label: string;
  used: number;
  total: number;
  format(v: number): string;
}) {
  const pct = total > 0 ? Math.min(100, (used / total) * 100) : 0;
  return (
    <Card label={label}>
      <span>{total > 0 ? `${pct.toFixed(1)} %` : 'no data'}</span>
      <div
        className="mt-2 h-2 rounded bg-slate-200 dark:bg-slate-700"
        role="meter"
        aria-label={`${label} usage`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(pct)}
      >
        <div className="h-2 rounded bg-brand-600" style={{ width: `${pct}%` }} />
      </div>
      <div className="mt-1 text-xs font-normal text-slate-500">
        {format(used)} of {format(total)}
      </div>
    </Card>
  );
}

function TopTable({
  title,
  rows,
  format,
}: {
  title: string;
  rows: { vmid: number; name: string; node: string; value: number; max: number }[];
  format(v: number): string;
}) {
  return (
    <Section title={title}>
      {rows.length === 0 ? (
        <p className="text-sm text-slate-500">No running guests reported.</p>
      ) : (
        <table className="w-full text-left text-sm">
          <thead className="text-xs text-slate-500">
            <tr>
              <th className="py-1 font-medium">Guest</th>
              <th className="py-1 font-medium">Node</th>
              <th className="py-1 text-right font-medium">Usage</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.vmid} className="border-t border-slate-100 dark:border-slate-800">
                <td className="py-1">
                  <Link className="text-brand-600 hover:underline" href={`/vms/${r.vmid}`}>
                    {r.vmid} ({r.name})
                  </Link>
                </td>
                <td className="py-1">{r.node}</td>
                <td className="py-1 text-right">
                  {format(r.value)} of {format(r.max)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Section>
  );
}

/** The datacenter dashboard: what is up, how loaded it is, what failed; only what the caller may see. */
export function DatacenterSummary() {
  const trpc = useTRPC();
  const info = useQuery(trpc.cluster.info.queryOptions());
  const dash = useQuery(trpc.metrics.dashboard.queryOptions(undefined, { refetchInterval: 10_000 }));
  const error = info.error ?? dash.error;
  if (error) return <p className="text-sm text-red-600">{error.message}</p>;
  if (!info.data || !dash.data) return <p className="text-sm text-slate-500">Loading…</p>;
  const d = dash.data;
  const cores = (v: number) => formatValue(v, 'cores');
  return (
    <div className="space-y-6">
      <section aria-label="Summary" className="grid gap-3 sm:grid-cols-3">
        <Card label="Cluster">{info.data.name}</Card>
        <Card label="Nodes">
          {d.nodes.online} online
          <span className="text-sm font-normal text-slate-500"> · {d.nodes.offline} offline</span>
        </Card>
        <Card label="Guests">
          {d.guests.running} running
          <span className="text-sm font-normal text-slate-500">
            {' '}
            · {d.guests.stopped} stopped{d.guests.other > 0 ? ` · ${d.guests.other} other` : ''}
          </span>
        </Card>
      </section>
      <section aria-label="Resources" className="grid gap-3 sm:grid-cols-3">
        <Usage label="CPU" used={d.cpu.used} total={d.cpu.total} format={cores} />
        <Usage label="Memory" used={d.memory.used} total={d.memory.total} format={formatBytes} />
        <Usage label="Storage" used={d.storage.used} total={d.storage.total} format={formatBytes} />
      </section>
      <div className="grid gap-6 lg:grid-cols-2">
        <TopTable title="Top guests by CPU" rows={d.topCpu} format={cores} />
        <TopTable title="Top guests by memory" rows={d.topMemory} format={formatBytes} />
      </div>
      <Section title="Recent failures">
        {d.failedTasks.length === 0 ? (
          <p className="text-sm text-slate-500">No failed tasks recently.</p>
        ) : (
          <table className="w-full text-left text-sm">
            <thead className="text-xs text-slate-500">
              <tr>
                <th className="py-1 font-medium">Start time</th>
                <th className="py-1 font-medium">Node</th>
                <th className="py-1 font-medium">User</th>
                <th className="py-1 font-medium">Description</th>
                <th className="py-1 font-medium">Status</th>
              </tr>
            </thead>
            <tbody>
              {d.failedTasks.map((t) => (
                <tr key={t.upid} className="border-t border-slate-100 dark:border-slate-800">
                  <td className="py-1">{formatDateTime(t.startedAt)}</td>
                  <td className="py-1">{t.node}</td>
                  <td className="py-1">{t.userId}</td>
                  <td className="py-1">
                    {t.type} {t.target}
                  </td>
                  <td className="py-1 text-red-600">{t.status}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
    </div>
  );
}
