'use client';
import { GraphPanel, IO_CHARTS, type ChartSpec } from '@/components/charts/graph-panel';

const CHARTS: ChartSpec[] = [
  {
    title: 'CPU usage',
    unit: 'cores',
    lines: [
      { key: 'cpu', label: 'CPU', color: '#2563eb' },
      { key: 'load1', label: 'Load (1 min)', color: '#f59e0b', line: true },
    ],
  },
  {
    title: 'Memory usage',
    unit: 'bytes',
    lines: [
      { key: 'memUsed', label: 'Used', color: '#16a34a' },
      { key: 'memTotal', label: 'Total', color: '#64748b', line: true },
      { key: 'swapUsed', label: 'Swap used', color: '#dc2626' },
    ],
  },
  ...IO_CHARTS,
];

export function NodeGraphs({ node }: { node: string }) {
  return <GraphPanel target={{ kind: 'node', node }} charts={CHARTS} />;
}
