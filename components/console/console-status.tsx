import { cn } from '@/components/ui/cn';
import type { ConsoleState } from './use-console-connection';

const LABEL: Record<ConsoleState['phase'], string> = {
  waiting: 'Waiting for the guest',
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  failed: 'Disconnected',
};

const TONE: Record<ConsoleState['phase'], string> = {
  waiting: 'bg-slate-400',
  connecting: 'bg-amber-500',
  connected: 'bg-emerald-500',
  reconnecting: 'bg-amber-500',
  failed: 'bg-red-600',
};

/** The visible state of a console connection; tests read `data-phase` and `data-connections`. */
export function ConsoleStatus({ state, onRetry }: { state: ConsoleState; onRetry: () => void }) {
  return (
    <div className="flex min-w-0 items-center gap-2 text-sm">
      <span
        role="status"
        aria-label="Console connection"
        data-phase={state.phase}
        data-connections={state.connections}
        className="flex items-center gap-1.5 whitespace-nowrap"
      >
        <span className={cn('inline-block h-2 w-2 rounded-full', TONE[state.phase])} aria-hidden />
        {LABEL[state.phase]}
      </span>
      {state.detail && state.phase !== 'connected' && (
        <span className="truncate text-xs text-slate-500" title={state.detail}>
          {state.detail}
        </span>
      )}
      {state.phase === 'failed' && (
        <button type="button" className="text-xs text-brand-600 underline" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}
