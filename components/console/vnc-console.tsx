'use client';
import type RFB from '@novnc/novnc';
import { useCallback, useEffect, useRef, useState } from 'react';
import { Button } from '@/components/ui/button';
import { ConsoleStatus } from './console-status';
import { COMBOS, sendStrokes, textToStrokes } from './keys';
import { loadNoVnc } from './load-novnc';
import { useConsoleConnection, type Attach } from './use-console-connection';

/**
 * The graphical console: noVNC on a websocket through the console server,
 * with fit/native scaling, full screen, key combinations, "type text" and a
 * view-only mode; it reconnects by itself when the guest reboots.
 */
export function VncConsole({ vmid, guestUp, popOut }: { vmid: number; guestUp: boolean; popOut?: () => void }) {
  const frame = useRef<HTMLDivElement>(null);
  const screen = useRef<HTMLDivElement>(null);
  const rfb = useRef<RFB | null>(null);
  const [fit, setFit] = useState(true);
  const [viewOnly, setViewOnly] = useState(false);
  const [typing, setTyping] = useState(false);
  const [text, setText] = useState('');
  const [note, setNote] = useState('');
  const options = useRef({ fit, viewOnly });
  const loadedRfb = useRef<typeof RFB | null>(null);

  const attach = useCallback<Attach>((ws, connected) => {
    let live = true;
    const Rfb = loadedRfb.current;
    if (!Rfb || !screen.current) {
      ws.close(4000, 'the VNC viewer is not loaded');
      return () => undefined;
    }
    const instance: RFB = new Rfb(screen.current, ws, { shared: true });
    instance.scaleViewport = options.current.fit;
    instance.clipViewport = false;
    instance.viewOnly = options.current.viewOnly;
    instance.background = 'rgb(15, 23, 42)';
    instance.addEventListener('connect', () => {
      if (!live) return;
      rfb.current = instance;
      connected();
    });
    instance.addEventListener('disconnect', () => {
      if (rfb.current === instance) rfb.current = null;
    });
    return () => {
      live = false;
      if (rfb.current === instance) rfb.current = null;
      try {
        instance.disconnect();
      } catch {
        // already disconnected
      }
    };
  }, []);
  const ready = useCallback(async () => {
    loadedRfb.current = await loadNoVnc();
  }, []);
  const [state, retry] = useConsoleConnection(vmid, 'vnc', guestUp, attach, ready);

  useEffect(() => {
    options.current = { fit, viewOnly };
    if (rfb.current) {
      rfb.current.scaleViewport = fit;
      rfb.current.viewOnly = viewOnly;
    }
  }, [fit, viewOnly, state.connections]);

  const send = (fn: (r: RFB) => void) => {
    if (!rfb.current) return;
    fn(rfb.current);
    rfb.current.focus();
  };
  const typeText = (value: string) => {
    const r = rfb.current;
    if (!r || !value) return;
    sendStrokes((k, c, d) => r.sendKey(k, c, d), textToStrokes(value));
    setNote(`typed ${value.length} character${value.length === 1 ? '' : 's'}`);
  };
  const typeClipboard = async () => {
    try {
      typeText(await navigator.clipboard.readText());
    } catch {
      setTyping(true);
      setNote('the browser did not allow reading the clipboard: paste the text here');
    }
  };
  const connected = state.phase === 'connected';
  const inputDisabled = !connected || viewOnly;

  return (
    <div ref={frame} className="flex h-full min-h-[480px] flex-col gap-2 bg-white dark:bg-slate-900">
      <div role="toolbar" aria-label="Console toolbar" className="flex flex-wrap items-center gap-1.5">
        <ConsoleStatus state={state} onRetry={retry} />
        <span className="flex-1" />
        <Button variant="secondary" disabled={inputDisabled} onClick={() => send((r) => r.sendCtrlAltDel())}>
          Ctrl-Alt-Del
        </Button>
        <select
          aria-label="Send key combination"
          className="rounded border border-slate-300 bg-white px-2 py-1.5 text-sm dark:border-slate-600 dark:bg-slate-800"
          disabled={inputDisabled}
          value=""
          onChange={(e) => {
            const combo = COMBOS.find((c) => c.label === e.target.value);
            if (combo) send((r) => sendStrokes((k, c, d) => r.sendKey(k, c, d), combo.strokes));
          }}
        >
          <option value="">Keys…</option>
          {COMBOS.map((c) => (
            <option key={c.label} value={c.label}>
              {c.label}
            </option>
          ))}
        </select>
        <Button variant="secondary" disabled={inputDisabled} onClick={() => void typeClipboard()}>
          Type clipboard
        </Button>
        <Button variant="secondary" disabled={inputDisabled} aria-pressed={typing} onClick={() => setTyping((v) => !v)}>
          Type text…
        </Button>
        <Button variant="secondary" aria-pressed={fit} onClick={() => setFit((v) => !v)}>
          {fit ? 'Scale: fit' : 'Scale: native'}
        </Button>
        <label className="flex items-center gap-1 text-sm">
          <input type="checkbox" checked={viewOnly} onChange={(e) => setViewOnly(e.target.checked)} />
          View only
        </label>
        <Button variant="secondary" onClick={() => void frame.current?.requestFullscreen()}>
          Full screen
        </Button>
        {popOut && (
          <Button variant="secondary" onClick={popOut}>
            Pop out
          </Button>
        )}
      </div>
      {typing && (
        <form
          aria-label="Type text"
          className="flex items-start gap-2"
          onSubmit={(e) => {
            e.preventDefault();
            typeText(text);
            setText('');
          }}
        >
          <textarea
            aria-label="Text to type"
            className="h-16 flex-1 rounded border border-slate-300 p-1 font-mono text-sm dark:border-slate-600 dark:bg-slate-800"
            value={text}
            onChange={(e) => setText(e.target.value)}
            placeholder="Typed on the guest's keyboard, key by key (US layout)"
          />
          <Button type="submit" disabled={inputDisabled || !text}>
            Type
          </Button>
        </form>
      )}
      {note && <p className="text-xs text-slate-500">{note}</p>}
      <div
        ref={screen}
        data-testid="vnc-screen"
        className={fit ? 'min-h-0 flex-1 overflow-hidden bg-slate-900' : 'min-h-0 flex-1 overflow-auto bg-slate-900'}
      />
    </div>
  );
}
