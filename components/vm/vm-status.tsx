import { cn } from '@/components/ui/cn';

const STYLE: Record<string, string> = {
  running: 'bg-emerald-100 text-emerald-800 dark:bg-emerald-900 dark:text-emerald-100',
  paused: 'bg-amber-100 text-amber-800 dark:bg-amber-900 dark:text-amber-100',
  stopped: 'bg-slate-200 text-slate-700 dark:bg-slate-700 dark:text-slate-100',
  unknown: 'bg-red-100 text-red-800 dark:bg-red-900 dark:text-red-100',
};

export function VmStatusBadge({ status }: { status: string }) {
  return (
    <span
      data-testid="vm-status"
      className={cn('rounded px-1.5 py-0.5 text-xs font-medium', STYLE[status] ?? STYLE.unknown)}
    >
      {status}
    </span>
  );
}
