'use client';
import { GraphPanel, type ChartSpec } from '@/components/charts/graph-panel';

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

export function VmGraphs({ vmid }: { vmid: number }) {
  return <GraphPanel target={{ kind: 'guest', vmid }} charts={CHARTS} />;
}
