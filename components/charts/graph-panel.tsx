'use client';
import { useState } from 'react';
import { Section } from '@/components/ui/section';
import { MetricChart, type ChartLine } from './metric-chart';
import { RangePicker, type GraphCf, type GraphRange } from './range-picker';
import type { Unit } from './units';
import { useMetricSeries } from './use-metric-series';

export type ChartSpec = { title: string; unit: Unit; lines: ChartLine[] };

/** Network traffic and disk IO: the same series for nodes and guests. */
export const IO_CHARTS: ChartSpec[] = [
  {
    title: 'Network traffic',
    unit: 'bytesPerSecond',
    lines: [
      { key: 'netIn', label: 'In', color: '#0891b2' },
      { key: 'netOut', label: 'Out', color: '#9333ea' },
    ],
  },
  {
    title: 'Disk IO',
    unit: 'bytesPerSecond',
    lines: [
      { key: 'diskRead', label: 'Read', color: '#ea580c' },
      { key: 'diskWrite', label: 'Write', color: '#4f46e5' },
    ],
  },
];

/** The graphs of a node or a guest, with the range picker; live while open. */
export function GraphPanel({
  target,
  charts,
}: {
  target: { kind: 'node'; node: string } | { kind: 'guest'; vmid: number };
  charts: ChartSpec[];
}) {
  const [range, setRange] = useState<GraphRange>('hour');
  const [cf, setCf] = useState<GraphCf>('AVERAGE');
  const { series, error } = useMetricSeries(target, range, cf);
  return (
    <Section title="Graphs" actions={<RangePicker range={range} cf={cf} onRange={setRange} onCf={setCf} />}>
      {error && <p className="text-sm text-red-600">{error}</p>}
      {!series && !error && <p className="text-sm text-slate-500">Loading graphs…</p>}
      {series && (
        <div className="grid gap-3 xl:grid-cols-2" data-range={range} data-testid="graphs">
          {charts.map((c) => (
            <MetricChart
              key={c.title}
              title={c.title}
              unit={c.unit}
              lines={c.lines}
              points={series.points}
              from={series.from}
              to={series.to}
            />
          ))}
        </div>
      )}
    </Section>
  );
}
