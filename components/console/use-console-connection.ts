'use client';
import { useMutation } from '@tanstack/react-query';
import { useCallback, useEffect, useRef, useState } from 'react';
import { CONSOLE_CLOSE, type ConsoleKind } from '@/agent/contract/console';
import { useTRPC } from '@/components/trpc';

export type ConsolePhase = 'waiting' | 'connecting' | 'connected' | 'reconnecting' | 'failed';

export type ConsoleState = {
  phase: ConsolePhase;
  /** Why the last connection ended, or why there is none. */
  detail: string;
  /** How many times a connection was established (1 at the first, 2 after a reconnect ...). */
  connections: number;
};

/**
 * A viewer (noVNC, xterm.js) on a websocket that is still connecting: it must
 * take over the socket synchronously (the server speaks first: a message
 * arriving before the viewer listens would be lost). Calls `connected` once
 * usable; returns its cleanup.
 */
export type Attach = (ws: WebSocket, connected: () => void) => () => void;

/** Refusals a new ticket cannot fix. */
const FINAL = new Set<number>([CONSOLE_CLOSE.FORBIDDEN, CONSOLE_CLOSE.NO_SERIAL_PORT, CONSOLE_CLOSE.BAD_ORIGIN]);

function wsUrl(path: string, ticket: string): string {
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${window.location.host}${path}?ticket=${encodeURIComponent(ticket)}`;
}

/**
 * One console connection that keeps itself alive: a fresh ticket for every
 * attempt, a new websocket through the console server, and after a drop (the
 * guest rebooted, the network blinked) a reconnect with a short backoff. While
 * the guest is not running it waits, and connects when it starts.
 */
export function useConsoleConnection(
  vmid: number,
  kind: ConsoleKind,
  guestUp: boolean,
  attach: Attach,
  /** Resolves once the viewer's code is loaded, before any websocket is opened. */
  ready: () => Promise<unknown>,
): [ConsoleState, () => void] {
  const trpc = useTRPC();
  const ticket = useMutation(trpc.console.ticket.mutationOptions());
  const getTicket = useRef(ticket.mutateAsync);
  const attachRef = useRef(attach);
  const readyRef = useRef(ready);
  useEffect(() => {
    getTicket.current = ticket.mutateAsync;
    attachRef.current = attach;
    readyRef.current = ready;
  });
  const [state, setState] = useState<ConsoleState>({ phase: 'connecting', detail: '', connections: 0 });
  const [round, setRound] = useState(0);
  const retry = useCallback(() => setRound((r) => r + 1), []);

  useEffect(() => {
    if (!guestUp) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let cleanup: (() => void) | null = null;
    let socket: WebSocket | null = null;
    let failures = 0;

    const later = (detail: string) => {
      failures++;
      setState((s) => ({ ...s, phase: s.connections ? 'reconnecting' : 'connecting', detail }));
      timer = setTimeout(() => void attempt(), Math.min(250 * 2 ** failures, 3000));
    };

    const attempt = async () => {
      if (stopped) return;
      setState((s) => ({ ...s, phase: s.connections ? 'reconnecting' : 'connecting' }));
      let issued: { ticket: string; path: string };
      try {
        await readyRef.current();
        if (stopped) return;
        issued = await getTicket.current({ vmid, kind });
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        if (/FORBIDDEN|permission|NOT_FOUND|does not exist|no serial port/i.test(message)) {
          setState((s) => ({ ...s, phase: 'failed', detail: message }));
        } else later(message);
        return;
      }
      if (stopped) return;
      const ws = new WebSocket(wsUrl(issued.path, issued.ticket));
      ws.binaryType = 'arraybuffer';
      socket = ws;
      ws.addEventListener('close', (ev) => {
        cleanup?.();
        cleanup = null;
        if (stopped) return;
        const detail = ev.reason || `connection closed (${ev.code})`;
        if (FINAL.has(ev.code)) setState((s) => ({ ...s, phase: 'failed', detail }));
        else later(detail);
      });
      cleanup = attachRef.current(ws, () => {
        if (stopped) return;
        failures = 0;
        setState((s) => ({ phase: 'connected', detail: '', connections: s.connections + 1 }));
      });
    };
    void attempt();

    return () => {
      stopped = true;
      clearTimeout(timer);
      cleanup?.();
      socket?.close(1000, 'viewer closed');
    };
  }, [vmid, kind, guestUp, round]);

  const shown: ConsoleState = guestUp
    ? state
    : { ...state, phase: 'waiting', detail: 'the guest is not running; the console connects when it starts' };
  return [shown, retry];
}
