import type { MetricsSample } from '@/agent/contract/metrics';
import type { Db } from '@/server/db';
import { periodStart, slotOf, TABLES, TIERS, type SeriesKind, type SeriesTable, type Tier } from './schema';

type Acc = {
  tier: number;
  slot: number;
  keys: (string | number)[];
  ts: number;
  n: number;
  sum: (number | null)[];
  max: (number | null)[];
};

/** Rows of one table, merged per (tier, slot, key) before they reach the database. */
class Batch {
  readonly rows = new Map<string, Acc>();
  constructor(readonly spec: SeriesTable) {}

  add(t: number, keys: (string | number)[], values: (number | null)[], tiers: readonly Tier[]): void {
    for (const tier of tiers) {
      const ts = periodStart(tier, t);
      const slot = slotOf(tier, t);
      const id = `${tier.tier}|${slot}|${keys.join('|')}`;
      const acc = this.rows.get(id);
      if (!acc || acc.ts < ts) {
        this.rows.set(id, { tier: tier.tier, slot, keys, ts, n: 1, sum: [...values], max: [...values] });
      } else if (acc.ts === ts) {
        acc.n++;
        // A field missing from any sample of a period is missing for the period: a gap, not a guess.
        values.forEach((v, i) => {
          const s = acc.sum[i];
          acc.sum[i] = s === null || s === undefined || v === null ? null : s + v;
          const m = acc.max[i];
          acc.max[i] = m === null || m === undefined ? v : v === null ? m : Math.max(m, v);
        });
      }
    }
  }

  json(): string {
    const { keys, fields } = this.spec;
    return JSON.stringify(
      [...this.rows.values()].map((r) => {
        const row: Record<string, unknown> = { tier: r.tier, slot: r.slot, ts: r.ts, n: r.n };
        keys.forEach((k, i) => (row[k.name] = r.keys[i]));
        fields.forEach((f, i) => {
          row[`${f}Sum`] = r.sum[i];
          row[`${f}Max`] = r.max[i];
        });
        return row;
      }),
    );
  }
}

const upsertSql = new Map<SeriesKind, string>();

/**
 * One statement per table for a whole batch: the rows arrive as one JSON
 * parameter (jsonb_to_recordset), so the statement's size does not depend on
 * the number of series. A slot still holding an older period starts afresh; a
 * slot already holding a newer period is left alone (late samples never
 * overwrite newer data).
 */
function sqlFor(kind: SeriesKind): string {
  const cached = upsertSql.get(kind);
  if (cached) return cached;
  const { table, keys, fields } = TABLES[kind];
  const q = (c: string) => `"${c}"`;
  const valueCols = fields.flatMap((f) => [`${f}Sum`, `${f}Max`]);
  const cols = ['tier', 'slot', ...keys.map((k) => k.name), 'ts', 'n', ...valueCols];
  const types = [
    'tier smallint',
    'slot int',
    ...keys.map((k) => `${q(k.name)} ${k.sqlType}`),
    'ts bigint',
    'n int',
    ...valueCols.map((c) => `${q(c)} float8`),
  ];
  const same = `t.ts = EXCLUDED.ts`;
  const sets = [
    `n = CASE WHEN ${same} THEN t.n + EXCLUDED.n ELSE EXCLUDED.n END`,
    ...fields.flatMap((f) => [
      `${q(`${f}Sum`)} = CASE WHEN ${same} THEN t.${q(`${f}Sum`)} + EXCLUDED.${q(`${f}Sum`)} ELSE EXCLUDED.${q(`${f}Sum`)} END`,
      `${q(`${f}Max`)} = CASE WHEN ${same} THEN GREATEST(t.${q(`${f}Max`)}, EXCLUDED.${q(`${f}Max`)}) ELSE EXCLUDED.${q(`${f}Max`)} END`,
    ]),
    `ts = EXCLUDED.ts`,
  ];
  const conflict = ['tier', 'slot', ...keys.map((k) => k.name)].map(q).join(', ');
  const sql =
    `INSERT INTO ${q(table)} AS t (${cols.map(q).join(', ')}) ` +
    `SELECT ${cols.map(q).join(', ')} FROM jsonb_to_recordset($1::jsonb) AS x(${types.join(', ')}) ` +
    `ON CONFLICT (${conflict}) DO UPDATE SET ${sets.join(', ')} WHERE t.ts <= EXCLUDED.ts`;
  upsertSql.set(kind, sql);
  return sql;
}

const FULL = [TIERS[0]];
const ROLLUPS = TIERS.slice(1);

/**
 * Stores the samples of one node (its own, its guests', its storages'): `samples`
 * into the full-resolution tier, `rollups` into the roll-up tiers (by default
 * the same samples: every tier). At most three statements, whatever the number
 * of samples. The samples' own times place them, so a test drives a simulated
 * year through it.
 */
export async function ingestSamples(
  db: Db,
  node: string,
  samples: readonly MetricsSample[],
  rollups: readonly MetricsSample[] = samples,
): Promise<void> {
  const nodes = new Batch(TABLES.node);
  const guests = new Batch(TABLES.guest);
  const storages = new Batch(TABLES.storage);
  const add = (s: MetricsSample, tiers: readonly Tier[]) => {
    nodes.add(
      s.t,
      [node],
      TABLES.node.fields.map((f) => s.node[f as keyof typeof s.node] ?? null),
      tiers,
    );
    for (const g of s.guests) {
      const { status, ...rest } = g;
      const values: Record<string, number | null> = { ...rest, running: status === 'running' ? 1 : 0 };
      guests.add(
        s.t,
        [g.vmid],
        TABLES.guest.fields.map((f) => values[f] ?? null),
        tiers,
      );
    }
    for (const st of s.storages) storages.add(s.t, [node, st.storage], [st.used, st.total], tiers);
  };
  if (rollups === samples) for (const s of samples) add(s, TIERS);
  else {
    for (const s of samples) add(s, FULL);
    for (const s of rollups) add(s, ROLLUPS);
  }
  for (const [kind, batch] of [
    ['node', nodes],
    ['guest', guests],
    ['storage', storages],
  ] as const) {
    if (batch.rows.size > 0) await db.$executeRawUnsafe(sqlFor(kind), batch.json());
  }
}

/** The newest sample time stored for a node (tier 0), so a pull asks only for newer ones. */
export async function lastIngested(db: Db, node: string): Promise<number> {
  const rows = await db.$queryRaw<{ ts: number | null }[]>`
    SELECT max(ts)::float8 AS ts FROM "NodeMetric" WHERE node = ${node} AND tier = 0`;
  return rows[0]?.ts ?? 0;
}
