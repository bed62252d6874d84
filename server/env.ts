import path from 'node:path';
import { z } from 'zod';

const ZBool = z
  .enum(['0', '1', 'true', 'false', 'yes', 'no', ''])
  .transform((v) => v === '1' || v === 'true' || v === 'yes');

const ZEnv = z.object({
  /** Where the embedded database, the TLS certificate and secrets live. */
  HORCRUX_DATA_DIR: z.string().min(1).default('./data'),
  /** PostgreSQL URL; when unset the embedded PGlite database is used. */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgresql:// URL')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  HORCRUX_PORT: z.coerce.number().int().min(1).max(65535).default(8006),
  HORCRUX_HOST: z.string().min(1).default('0.0.0.0'),
  /** Serve plain HTTP instead of HTTPS (development and tests behind a proxy only). */
  HORCRUX_HTTP: ZBool.default(false),
  /** Run Next in development mode (hot reload). */
  HORCRUX_DEV: ZBool.default(false),
  /** Secret for signing session cookies; generated into the data directory when unset. */
  HORCRUX_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  /** Public URL of the console, used in links and by next-auth. */
  HORCRUX_URL: z.string().url().optional(),
  /** Set by `npm run up`: the agent on this host, registered as a node at start-up. */
  HORCRUX_LOCAL_AGENT_URL: z.string().url().optional(),
  HORCRUX_LOCAL_AGENT_DIR: z.string().min(1).optional(),
  /** OTLP/HTTP collector to push metrics to (`http://collector:4318`; `/v1/metrics` is appended); unset: no push. */
  HORCRUX_OTLP_ENDPOINT: z
    .string()
    .url()
    .refine((u) => /^https?:\/\//.test(u), 'must be an http:// or https:// URL')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  /** Seconds between OTLP pushes. */
  HORCRUX_OTLP_INTERVAL: z.coerce.number().int().min(10).max(3600).default(60),
  /** Extra request headers for the collector, `key=value,key2=value2` (as OTEL_EXPORTER_OTLP_HEADERS). */
  HORCRUX_OTLP_HEADERS: z
    .string()
    .regex(/^([^=,\s]+=[^,]*)(,[^=,\s]+=[^,]*)*$/, 'must be key=value pairs separated by commas')
    .optional()
    .or(z.literal('').transform(() => undefined)),
});

export type Env = z.infer<typeof ZEnv> & { dataDir: string };

let cached: Env | undefined;

/** Parses the environment once; a bad value stops start-up with the variable named. */
export function env(): Env {
  if (cached) return cached;
  const parsed = ZEnv.safeParse(process.env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid environment:\n${lines.join('\n')}`);
  }
  cached = { ...parsed.data, dataDir: path.resolve(parsed.data.HORCRUX_DATA_DIR) };
  return cached;
}

/** For tests that change the environment between cases. */
export function resetEnvCache(): void {
  cached = undefined;
}
