import type { Db } from '@/server/db';
import { TABLES, TIERS, slotOf, timeline, type Cf, type Range, type SeriesKind } from './schema';
import type { Series } from './series';

export type { Point, Series } from './series';

function selectList(kind: SeriesKind, cf: Cf): string {
  return TABLES[kind].fields.map((f) => (cf === 'MAX' ? `"${f}Max" AS "${f}"` : `"${f}Sum" / n AS "${f}"`)).join(', ');
}

/**
 * A graph: one index range scan of the series' tier for the range, then
 * every period of the timeline, null where no row exists (an agent that
 * stopped reporting leaves gaps). With `since`, only periods from then on (the
 * newest period may have changed since the last poll).
 */
export async function querySeries(
  db: Db,
  kind: 'node' | 'guest',
  id: string | number,
  range: Range,
  cf: Cf,
  options: { since?: number; now?: number } = {},
): Promise<Series> {
  const now = options.now ?? Math.floor(Date.now() / 1000);
  const { tier, step, from, to } = timeline(range, now);
  const start = Math.max(from, options.since === undefined ? from : Math.floor(options.since / step) * step);
  const spec = TABLES[kind];
  const key = spec.keys[0]!.name;
  // One JSON value for the whole graph: decoding 1440 rows × 12 cells one by one
  // through the driver costs several times more than one JSON.parse.
  const cells = spec.fields.map((f) => (cf === 'MAX' ? `"${f}Max"` : `"${f}Sum" / n`));
  const [{ j } = { j: '[]' }] = await db.$queryRawUnsafe<{ j: string }[]>(
    `SELECT coalesce(json_agg(json_build_array(ts, ${cells.join(', ')}) ORDER BY ts), '[]')::text AS j ` +
      `FROM "${spec.table}" WHERE "${key}" = $1 AND tier = $2 AND ts >= $3 AND ts <= $4`,
    id,
    tier.tier,
    start,
    to,
  );
  const count = Math.max(0, Math.floor((to - start) / step) + 1);
  const values: Series['values'] = {};
  const columns = spec.fields.map((f) => (values[f] = new Array<number | null>(count).fill(null)));
  for (const row of JSON.parse(j) as (number | null)[][]) {
    const i = (Number(row[0]) - start) / step;
    if (!Number.isInteger(i) || i < 0 || i >= count) continue;
    columns.forEach((column, f) => (column[i] = row[f + 1] ?? null));
  }
  return { range, cf, step, from, to, start, values };
}

export type Latest = { t: number } & Record<string, number | string | null>;

/**
 * The newest full-resolution sample of every series of a kind, if taken within
 * the last minute (older means its agent stopped reporting: no value); with
 * `id`, only the series whose first key (node name, vmid) is `id`. Reads only
 * the last six tier-0 slots, by the primary key's (tier, slot) prefix.
 */
export async function latestAll(
  db: Db,
  kind: SeriesKind,
  now = Math.floor(Date.now() / 1000),
  id?: string | number,
): Promise<Latest[]> {
  const tier0 = TIERS[0];
  const since = now - 60;
  const slots = Array.from({ length: 7 }, (_, i) => slotOf(tier0, now - i * tier0.step));
  const spec = TABLES[kind];
  const keys = spec.keys.map((k) => `"${k.name}"`).join(', ');
  const only = id === undefined ? '' : ` AND "${spec.keys[0]!.name}" = $2`;
  return db.$queryRawUnsafe<Latest[]>(
    `SELECT DISTINCT ON (${keys}) ${keys}, ts::float8 AS t, ${selectList(kind, 'AVERAGE')} FROM "${spec.table}" ` +
      `WHERE tier = 0 AND slot IN (${slots.join(', ')}) AND ts >= $1${only} ORDER BY ${keys}, ts DESC`,
    since,
    ...(id === undefined ? [] : [id]),
  );
}
