'use client';
import type { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { useCallback, useEffect, useRef, useState } from 'react';
import { Button } from '@/components/ui/button';
import { ConsoleStatus } from './console-status';
import { useConsoleConnection, type Attach } from './use-console-connection';

/** The serial console: xterm.js on the guest's first serial port, shared with any other viewer. */
export function SerialConsole({ vmid, guestUp, popOut }: { vmid: number; guestUp: boolean; popOut?: () => void }) {
  const host = useRef<HTMLDivElement>(null);
  const term = useRef<Terminal | null>(null);
  const fitRef = useRef<(() => void) | null>(null);
  const input = useRef<((data: string) => void) | null>(null);
  const [termReady] = useState(() => {
    let resolve: () => void = () => undefined;
    const promise = new Promise<void>((r) => (resolve = r));
    return { promise, resolve };
  });

  useEffect(() => {
    let disposed = false;
    let onResize: (() => void) | null = null;
    void Promise.all([import('@xterm/xterm'), import('@xterm/addon-fit')]).then(([{ Terminal }, { FitAddon }]) => {
      if (disposed || !host.current) return;
      const t = new Terminal({ convertEol: false, cursorBlink: true, fontSize: 13, scrollback: 5000 });
      const fit = new FitAddon();
      t.loadAddon(fit);
      t.open(host.current);
      fit.fit();
      fitRef.current = () => fit.fit();
      onResize = () => fit.fit();
      window.addEventListener('resize', onResize);
      t.onData((d) => input.current?.(d));
      term.current = t;
      termReady.resolve();
    });
    return () => {
      disposed = true;
      if (onResize) window.removeEventListener('resize', onResize);
      term.current?.dispose();
      term.current = null;
    };
  }, [termReady]);

  const attach = useCallback<Attach>((ws, connected) => {
    const encoder = new TextEncoder();
    const onMessage = (ev: MessageEvent) => {
      term.current?.write(new Uint8Array(ev.data as ArrayBuffer));
    };
    const onOpen = () => {
      input.current = (d) => ws.readyState === WebSocket.OPEN && ws.send(encoder.encode(d));
      term.current?.write('\r\n\x1b[2m[connected to the serial console]\x1b[0m\r\n');
      connected();
    };
    ws.addEventListener('message', onMessage);
    ws.addEventListener('open', onOpen);
    return () => {
      input.current = null;
      ws.removeEventListener('message', onMessage);
      ws.removeEventListener('open', onOpen);
    };
  }, []);
  const ready = useCallback(() => termReady.promise, [termReady]);
  const [state, retry] = useConsoleConnection(vmid, 'serial', guestUp, attach, ready);

  return (
    <div className="flex h-full min-h-[480px] flex-col gap-2">
      <div role="toolbar" aria-label="Serial console toolbar" className="flex flex-wrap items-center gap-1.5">
        <ConsoleStatus state={state} onRetry={retry} />
        <span className="flex-1" />
        <Button variant="secondary" onClick={() => term.current?.clear()}>
          Clear
        </Button>
        {popOut && (
          <Button variant="secondary" onClick={popOut}>
            Pop out
          </Button>
        )}
      </div>
      <div
        ref={host}
        data-testid="serial-terminal"
        className="min-h-0 flex-1 bg-black p-1"
        onClick={() => term.current?.focus()}
      />
    </div>
  );
}
