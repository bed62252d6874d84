'use client';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import type { ConsoleKind } from '@/agent/contract/console';
import { cn } from '@/components/ui/cn';
import { useTRPC } from '@/components/trpc';
import { SerialConsole } from './serial-console';
import { VncConsole } from './vnc-console';

/** Opens the console of a guest in a window of its own. */
export function popOutConsole(vmid: number, kind: ConsoleKind): void {
  window.open(`/console/${vmid}?kind=${kind}`, `horcrux-console-${vmid}-${kind}`, 'popup,width=1060,height=860');
}

/**
 * A guest's consoles (graphical and, when it has a serial port, serial), for
 * the VM page's Console tab and the pop-out window. Nothing is offered to a
 * user without VM.Console on the guest.
 */
export function VmConsole({
  vmid,
  initialKind = 'vnc',
  popped = false,
}: {
  vmid: number;
  initialKind?: ConsoleKind;
  popped?: boolean;
}) {
  const trpc = useTRPC();
  const vm = useQuery(trpc.vm.get.queryOptions({ vmid }, { refetchInterval: 2000 }));
  const [kind, setKind] = useState<ConsoleKind>(initialKind);
  if (vm.error) return <p className="text-sm text-red-600">{vm.error.message}</p>;
  if (!vm.data) return <p className="text-sm text-slate-500">Loading…</p>;
  const g = vm.data;
  if (!g.can.console) {
    return (
      <p role="alert" className="text-sm text-slate-600">
        You may not open this guest&apos;s console: it needs VM.Console on /vms/{vmid}.
      </p>
    );
  }
  const hasSerial = 'serial' in g.config ? g.config.serial : false;
  const up = g.status === 'running' || g.status === 'paused';
  const shown = kind === 'serial' && hasSerial ? 'serial' : 'vnc';
  const popOut = popped ? undefined : () => popOutConsole(vmid, shown);
  return (
    <div className="flex h-full flex-col gap-2">
      {hasSerial && (
        <div role="tablist" aria-label="Console kind" className="flex gap-1 text-sm">
          {(['vnc', 'serial'] as const).map((k) => (
            <button
              key={k}
              type="button"
              role="tab"
              aria-selected={shown === k}
              className={cn(
                'rounded px-2 py-1',
                shown === k
                  ? 'bg-brand-50 font-medium text-brand-700 dark:bg-slate-800'
                  : 'hover:bg-slate-100 dark:hover:bg-slate-800',
              )}
              onClick={() => setKind(k)}
            >
              {k === 'vnc' ? 'Graphical (noVNC)' : 'Serial (xterm.js)'}
            </button>
          ))}
        </div>
      )}
      <div className="min-h-0 flex-1">
        {shown === 'vnc' ? (
          <VncConsole vmid={vmid} guestUp={up} popOut={popOut} />
        ) : (
          <SerialConsole vmid={vmid} guestUp={up} popOut={popOut} />
        )}
      </div>
    </div>
  );
}
