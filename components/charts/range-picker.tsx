'use client';
import { cn } from '@/components/ui/cn';

export const RANGES = ['hour', 'day', 'week', 'month', 'year'] as const;
export type GraphRange = (typeof RANGES)[number];
export type GraphCf = 'AVERAGE' | 'MAX';

/** Proxmox's timeframe and consolidation selectors, as two button groups. */
export function RangePicker({
  range,
  cf,
  onRange,
  onCf,
}: {
  range: GraphRange;
  cf: GraphCf;
  onRange(r: GraphRange): void;
  onCf(c: GraphCf): void;
}) {
  const item = (active: boolean) =>
    cn(
      'px-2.5 py-1 text-xs font-medium first:rounded-l last:rounded-r border border-slate-300 dark:border-slate-600 -ml-px first:ml-0',
      active
        ? 'bg-brand-600 text-white border-brand-600'
        : 'bg-white text-slate-700 hover:bg-slate-50 dark:bg-slate-800 dark:text-slate-200',
    );
  return (
    <div className="flex flex-wrap items-center gap-3">
      <div role="group" aria-label="Time range" className="flex">
        {RANGES.map((r) => (
          <button
            key={r}
            type="button"
            aria-pressed={r === range}
            className={item(r === range)}
            onClick={() => onRange(r)}
          >
            {r[0]!.toUpperCase() + r.slice(1)}
          </button>
        ))}
      </div>
      <div role="group" aria-label="Consolidation" className="flex">
        {(['AVERAGE', 'MAX'] as const).map((c) => (
          <button key={c} type="button" aria-pressed={c === cf} className={item(c === cf)} onClick={() => onCf(c)}>
            {c === 'AVERAGE' ? 'Average' : 'Maximum'}
          </button>
        ))}
      </div>
    </div>
  );
}
