import { readlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Db } from '@/server/db';
import type { Env } from '@/server/env';
import { parseOtlpHeaders } from '@/server/services/metrics/otlp';
import { startMetricsCollector } from './metrics-collector';
import { startNodeMonitor } from './node-monitor';
import { startOtlpPush } from './otlp-push';

export type Background = {
  stop(): Promise<void>;
  /** The thread the loops run in, when they have one of their own (PostgreSQL). */
  threadId(): number | null;
};

type Settings = Pick<Env, 'DATABASE_URL' | 'HORCRUX_OTLP_ENDPOINT' | 'HORCRUX_OTLP_HEADERS' | 'HORCRUX_OTLP_INTERVAL'>;

/** The node monitor, the metrics collector and the OTLP push (if configured), on `db`, in this thread. */
export function startLoops(db: Db, cfg: Settings, log: (line: string) => void = console.log): Background {
  const loops = [
    startNodeMonitor(db, log),
    startMetricsCollector(db, log),
    ...(cfg.HORCRUX_OTLP_ENDPOINT
      ? [
          startOtlpPush(
            db,
            { endpoint: cfg.HORCRUX_OTLP_ENDPOINT, headers: parseOtlpHeaders(cfg.HORCRUX_OTLP_HEADERS) },
            cfg.HORCRUX_OTLP_INTERVAL,
            log,
          ),
        ]
      : []),
  ];
  return {
    stop: () => {
      for (const loop of loops) loop.stop();
      return Promise.resolve();
    },
    threadId: () => null,
  };
}

/**
 * How much lower the background thread's CPU priority is than the requests'
 * (added to the nice value): when the CPUs are busy, a request goes first.
 * Sharing a core with a busy thread, the loops still get about a quarter of
 * it, more than they use (docs/benchmarks.md), so heartbeats stay on time.
 */
export const BACKGROUND_NICE = 5;

/**
 * Lowers the calling thread's priority by {@link BACKGROUND_NICE}. Linux keeps
 * a nice value per thread: this one's id is the name /proc/thread-self links to.
 */
export function lowerThreadPriority(log: (line: string) => void): void {
  try {
    const tid = Number(path.basename(readlinkSync('/proc/thread-self')));
    os.setPriority(tid, Math.min(19, os.getPriority(tid) + BACKGROUND_NICE));
  } catch (e) {
    log(`background thread: priority unchanged (${e instanceof Error ? e.message : String(e)})`);
  }
}

/** How long a background thread that died waits before it is started again. */
const RESTART_MS = 5_000;

/**
 * Starts the background loops. On PostgreSQL they get a thread of their own
 * (server/workers/background-thread.ts, its own database connections): polling
 * a hundred nodes and storing their metrics then no longer takes turns with
 * the requests on the console's event loop, nor adds to its garbage, and it
 * runs at a lower priority ({@link lowerThreadPriority}). The
 * embedded PGlite lives in this thread, so there they run here. A thread that
 * dies is logged and started again.
 */
export function startBackground(db: Db, cfg: Settings, log: (line: string) => void = console.log): Background {
  if (!cfg.DATABASE_URL) return startLoops(db, cfg, log);
  let worker: Worker | null = null;
  let stopping = false;
  let restart: NodeJS.Timeout | null = null;
  const start = (): void => {
    // The thread runs TypeScript as this process does: its entry registers tsx, then loads the loops.
    const w = new Worker(new URL('./background-thread.mjs', import.meta.url));
    worker = w;
    w.on('error', (e) => log(`background thread failed: ${e.message}`));
    w.on('exit', (code) => {
      if (worker === w) worker = null;
      if (stopping) return;
      log(`background thread exited (${code}); starting it again in ${RESTART_MS / 1000} s`);
      restart = setTimeout(start, RESTART_MS);
    });
  };
  start();
  return {
    async stop() {
      stopping = true;
      if (restart) clearTimeout(restart);
      const w = worker;
      if (!w) return;
      const exited = new Promise<void>((resolve) => w.once('exit', () => resolve()));
      w.postMessage('stop');
      const timer = setTimeout(() => void w.terminate(), 5_000);
      await exited;
      clearTimeout(timer);
    },
    threadId: () => worker?.threadId ?? null,
  };
}
