import type { Db } from '@/server/db';
import { AppError } from '@/server/errors';
import { metricFamilies, SEE_ALL, type Family } from './prometheus';

export type OtlpTarget = {
  /** `http://collector:4318`, or the full `.../v1/metrics` URL. */
  endpoint: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
};

type AnyValue = { stringValue: string } | { intValue: string };

const attr = (key: string, value: string | number): { key: string; value: AnyValue } => ({
  key,
  value: typeof value === 'number' ? { intValue: String(value) } : { stringValue: value },
});

/**
 * An OTLP ExportMetricsServiceRequest in its JSON encoding (opentelemetry-proto,
 * `metrics/v1`): one gauge per exported family, one data point per series,
 * labels as attributes. The same metrics as /metrics.
 */
export function otlpRequest(families: Family[], timeUnixNano: bigint, serviceName = 'horcrux'): unknown {
  const time = timeUnixNano.toString();
  return {
    resourceMetrics: [
      {
        resource: { attributes: [attr('service.name', serviceName)] },
        scopeMetrics: [
          {
            scope: { name: 'horcrux', version: '0.1.0' },
            metrics: families
              .filter((f) => f.samples.length > 0)
              .map((f) => ({
                name: f.name,
                description: f.help,
                gauge: {
                  dataPoints: f.samples.map((s) => ({
                    attributes: Object.entries(s.labels).map(([k, v]) => attr(k, v)),
                    timeUnixNano: time,
                    asDouble: s.value,
                  })),
                },
              })),
          },
        ],
      },
    ],
  };
}

/** `KEY=value,KEY2=value2` (OTEL_EXPORTER_OTLP_HEADERS style). */
export function parseOtlpHeaders(text: string | undefined): Record<string, string> {
  if (!text) return {};
  return Object.fromEntries(
    text.split(',').map((pair) => {
      const eq = pair.indexOf('=');
      return [pair.slice(0, eq).trim(), decodeURIComponent(pair.slice(eq + 1).trim())];
    }),
  );
}

export function metricsUrl(endpoint: string): string {
  const url = new URL(endpoint);
  if (!url.pathname.endsWith('/v1/metrics')) url.pathname = `${url.pathname.replace(/\/$/, '')}/v1/metrics`;
  return url.toString();
}

/** Pushes every node's, guest's, storage's and task metric once; throws with the collector's answer on failure. */
export async function pushOtlp(db: Db, target: OtlpTarget): Promise<{ metrics: number }> {
  const families = (await metricFamilies(db, SEE_ALL)).filter((f) => f.samples.length > 0);
  const body = JSON.stringify(otlpRequest(families, BigInt(Date.now()) * 1_000_000n));
  const url = metricsUrl(target.endpoint);
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...target.headers },
      body,
      signal: AbortSignal.timeout(target.timeoutMs ?? 10_000),
    });
  } catch (e) {
    throw new AppError(
      'INTERNAL',
      `OTLP push to ${url} failed (${e instanceof Error ? e.message : String(e)}); check HORCRUX_OTLP_ENDPOINT and that the collector listens there`,
    );
  }
  if (!res.ok) {
    const said = (await res.text().catch(() => '')).slice(0, 300);
    throw new AppError('INTERNAL', `OTLP collector at ${url} answered HTTP ${res.status}${said ? `: ${said}` : ''}`);
  }
  return { metrics: families.length };
}
