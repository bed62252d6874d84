'use client';
import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { useTRPC } from '@/components/trpc';
import { seriesPoints } from '@/server/services/metrics/series';
import type { ChartPoint } from './metric-chart';
import type { GraphCf, GraphRange } from './range-picker';

type Target = { kind: 'node'; node: string } | { kind: 'guest'; vmid: number };

/**
 * A graph's points for a range: loaded once, then kept live by polling only the
 * periods since the last loaded one (every 10 s for the hour, every minute
 * beyond), merged in by time.
 */
export function useMetricSeries(target: Target, range: GraphRange, cf: GraphCf) {
  const trpc = useTRPC();
  const full = useQuery(
    target.kind === 'node'
      ? trpc.metrics.node.queryOptions({ node: target.node, range, cf }, { staleTime: Infinity })
      : trpc.metrics.guest.queryOptions({ vmid: target.vmid, range, cf }, { staleTime: Infinity }),
  );
  const since = full.data?.to;
  const interval = range === 'hour' ? 10_000 : 60_000;
  const liveOptions = { enabled: since !== undefined, refetchInterval: interval, staleTime: 0 };
  const live = useQuery(
    target.kind === 'node'
      ? trpc.metrics.node.queryOptions({ node: target.node, range, cf, since: since ?? 0 }, liveOptions)
      : trpc.metrics.guest.queryOptions({ vmid: target.vmid, range, cf, since: since ?? 0 }, liveOptions),
  );
  return useMemo(() => {
    if (!full.data) return { error: full.error?.message ?? null, series: null };
    const byT = new Map<number, ChartPoint>(seriesPoints(full.data).map((p) => [p.t, p as ChartPoint]));
    for (const p of live.data ? seriesPoints(live.data) : []) byT.set(p.t, p as ChartPoint);
    const to = Math.max(full.data.to, live.data?.to ?? 0);
    const from = to - (full.data.to - full.data.from);
    const points = [...byT.values()].filter((p) => p.t >= from).sort((a, b) => a.t - b.t);
    return { error: null, series: { from, to, step: full.data.step, points } };
  }, [full.data, full.error, live.data]);
}
