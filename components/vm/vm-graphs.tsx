'use client';
import { GraphPanel, IO_CHARTS, type ChartSpec } from '@/components/charts/graph-panel';

const CHARTS: ChartSpec[] = [
  {
    title: 'CPU usage',
    unit: 'cores',
    lines: [
      { key: 'cpu', label: 'CPU', color: '#2563eb' },
      { key: 'maxcpu', label: 'vCPUs', color: '#64748b', line: true },
    ],
  },
  {
    title: 'Memory usage',
    unit: 'bytes',
    lines: [
      { key: 'mem', label: 'Used (host RSS)', color: '#16a34a' },
      { key: 'maxmem', label: 'Configured', color: '#64748b', line: true },
    ],
  },
  ...IO_CHARTS,
];

export function VmGraphs({ vmid }: { vmid: number }) {
  return <GraphPanel target={{ kind: 'guest', vmid }} charts={CHARTS} />;
}
