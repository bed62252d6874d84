import { randomUUID } from 'node:crypto';
import type { Db } from '@/server/db';
import { pushOtlp, type OtlpTarget } from '@/server/services/metrics/otlp';
import { holdLease } from './lease';

/**
 * Pushes the metrics to an OTLP/HTTP collector every `intervalS` seconds
 * (HORCRUX_OTLP_ENDPOINT). Leader-elected: with several consoles, one pushes.
 */
export function startOtlpPush(
  db: Db,
  target: OtlpTarget,
  intervalS: number,
  log: (line: string) => void = console.log,
): { stop(): void; tick(): Promise<void> } {
  const holder = randomUUID();
  let failing = false;
  let running = false;

  async function tick(): Promise<void> {
    if (running) return;
    running = true;
    try {
      if (!(await holdLease(db, 'otlp-push', holder, intervalS * 3000))) return;
      await pushOtlp(db, target);
      if (failing) log('OTLP push works again');
      failing = false;
    } catch (e) {
      if (!failing) log(e instanceof Error ? e.message : String(e));
      failing = true;
    } finally {
      running = false;
    }
  }

  const timer = setInterval(() => void tick(), intervalS * 1000);
  return { stop: () => clearInterval(timer), tick };
}
