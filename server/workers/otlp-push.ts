import type { Db } from '@/server/db';
import { pushOtlp, type OtlpTarget } from '@/server/services/metrics/otlp';
import { leaderLoop, outageLog, type Loop } from './lease';

/**
 * Pushes the metrics to an OTLP/HTTP collector every `intervalS` seconds
 * (HORCRUX_OTLP_ENDPOINT). Leader-elected: with several consoles, one pushes.
 */
export function startOtlpPush(
  db: Db,
  target: OtlpTarget,
  intervalS: number,
  log: (line: string) => void = console.log,
): Loop {
  const outages = outageLog(log);
  return leaderLoop(db, { name: 'otlp-push', intervalMs: intervalS * 1000, immediately: false, log }, async () => {
    try {
      await pushOtlp(db, target);
      outages.ok('push', 'OTLP push works again');
    } catch (e) {
      outages.failed('push', e instanceof Error ? e.message : String(e));
    }
  });
}
