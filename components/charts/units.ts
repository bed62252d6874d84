import { formatBytes } from '@/components/ui/format';

/** How a graph's values read. */
export type Unit = 'cores' | 'bytes' | 'bytesPerSecond' | 'opsPerSecond' | 'percent' | 'plain';

export function formatValue(value: number, unit: Unit): string {
  switch (unit) {
    case 'cores':
      return `${value.toFixed(value < 10 ? 2 : 1)} CPU`;
    case 'bytes':
      return formatBytes(value);
    case 'bytesPerSecond':
      return `${formatBytes(value)}/s`;
    case 'opsPerSecond':
      return `${value.toFixed(value < 10 ? 1 : 0)} op/s`;
    case 'percent':
      return `${value.toFixed(1)} %`;
    case 'plain':
      return value.toFixed(2);
  }
}

/** Time-axis labels: clock time within a day, dates beyond. */
export function formatTick(t: number, spanSeconds: number): string {
  const d = new Date(t * 1000);
  const pad = (n: number) => String(n).padStart(2, '0');
  if (spanSeconds <= 86_400) return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  if (spanSeconds <= 31 * 86_400) return `${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}h`;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}
