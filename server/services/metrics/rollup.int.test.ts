import { seriesPoints } from '@/server/services/metrics/series';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetricsSample } from '@/agent/contract/metrics';
import { openTestDb, type TestDb } from '@/server/testing/test-db';
import { MetricsCollector, rollupSecond } from './collect';
import { ingestSamples } from './ingest';
import { latestAll, querySeries } from './query';
import { MAX_ROWS_PER_SERIES, TIERS } from './schema';

const GiB = 1024 ** 3;

function sample(t: number, cpu: number, guestCpu: number | null = 0.5, vmids = [100, 101]): MetricsSample {
  return {
    t,
    node: {
      cpu,
      maxcpu: 4,
      load1: cpu,
      memUsed: 2 * GiB,
      memTotal: 8 * GiB,
      swapUsed: 0,
      swapTotal: 0,
      rootUsed: GiB,
      rootTotal: 10 * GiB,
      netIn: 1000,
      netOut: 500,
      diskRead: 0,
      diskWrite: 4096,
      psiCpu: null,
      psiMem: null,
      psiIo: null,
    },
    guests: vmids.map((vmid) => ({
      vmid,
      status: 'running' as const,
      cpu: guestCpu,
      maxcpu: 1,
      mem: 100 * 1024 * 1024,
      maxmem: 128 * 1024 * 1024,
      diskRead: 0,
      diskWrite: 0,
      diskReadOps: 0,
      diskWriteOps: 0,
      netIn: null,
      netOut: null,
      uptime: 60,
    })),
    storages: [{ storage: 'local', used: GiB, total: 10 * GiB }],
  };
}

async function rowsPerTier(t: TestDb, table: 'NodeMetric' | 'GuestMetric', where: string): Promise<number[]> {
  const rows = await t.db.$queryRawUnsafe<{ tier: number; c: number }[]>(
    `SELECT tier::int AS tier, count(*)::int AS c FROM "${table}" WHERE ${where} GROUP BY tier ORDER BY tier`,
  );
  return TIERS.map((tier) => rows.find((r) => r.tier === tier.tier)?.c ?? 0);
}

describe.each(['pglite', 'postgres'] as const)('metrics roll-ups on %s', (kind) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb(kind);
  });
  afterAll(async () => {
    await t?.close();
  });

  // Synthetic time: the samples carry their own clock, so a year passes in seconds.
  const start = Date.UTC(2030, 0, 1) / 1000;

  it('keeps every series within its bound after a simulated year', { timeout: 400_000 }, async () => {
    const day = 86_400;
    for (let d = 0; d < 370; d++) {
      const batch: MetricsSample[] = [];
      for (let s = 0; s < day; s += 1800) batch.push(sample(start + d * day + s, (s / day) * 4));
      await ingestSamples(t.db, 'n1', batch);
    }
    // The last hour at full resolution, as an agent reports it.
    const end = start + 370 * day;
    const lastHour: MetricsSample[] = [];
    for (let s = 0; s < 3600; s += 10) lastHour.push(sample(end + s, 1));
    await ingestSamples(t.db, 'n1', lastHour);

    const node = await rowsPerTier(t, 'NodeMetric', `node = 'n1'`);
    const guest = await rowsPerTier(t, 'GuestMetric', `vmid = 100`);
    for (const counts of [node, guest]) {
      TIERS.forEach((tier, i) => expect(counts[i]).toBeLessThanOrEqual(tier.slots));
      expect(counts.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(MAX_ROWS_PER_SERIES);
      // A year of 6-hour periods fills the year ring; the hour ring is full too.
      expect(counts[3]).toBe(TIERS[3].slots);
      expect(counts[0]).toBe(TIERS[0].slots);
    }

    const now = end + 3599;
    const year = await querySeries(t.db, 'node', 'n1', 'year', 'AVERAGE', { now });
    expect(seriesPoints(year).length).toBe(1460);
    expect(seriesPoints(year).every((p) => p.cpu !== null)).toBe(true);
    const hour = await querySeries(t.db, 'guest', 100, 'hour', 'AVERAGE', { now });
    expect(seriesPoints(hour).length).toBe(360);
    expect(seriesPoints(hour).every((p) => p.cpu === 0.5)).toBe(true);
  });

  it('averages and maxima per period, gaps where nothing was reported, never older data over newer', async () => {
    const t0 = start + 1000 * 86_400; // a fresh day, far from the first test's data
    const minute = Math.floor(t0 / 60) * 60;
    // Six samples in one minute: cpu 1..6; then nothing for five minutes; then one more.
    const batch = [1, 2, 3, 4, 5, 6].map((c, i) => sample(minute + i * 10, c));
    await ingestSamples(t.db, 'n2', batch.slice(0, 3));
    await ingestSamples(t.db, 'n2', batch.slice(3)); // a second pull adds to the same minute
    await ingestSamples(t.db, 'n2', [sample(minute + 360, 2, null)]);
    const now = minute + 360;

    const avg = await querySeries(t.db, 'node', 'n2', 'day', 'AVERAGE', { now });
    const max = await querySeries(t.db, 'node', 'n2', 'day', 'MAX', { now });
    const at = (s: typeof avg, time: number) => seriesPoints(s).find((p) => p.t === time)!;
    expect(at(avg, minute).cpu).toBeCloseTo(3.5);
    expect(at(max, minute).cpu).toBe(6);
    for (let m = 1; m <= 5; m++) expect(at(avg, minute + m * 60).cpu).toBeNull();
    expect(at(avg, minute + 360).cpu).toBe(2);
    expect(seriesPoints(avg).length).toBe(1440);
    expect(seriesPoints(avg).filter((p) => p.cpu !== null)).toHaveLength(2);

    // A guest whose CPU could not be read has no value there, not a zero.
    const g = await querySeries(t.db, 'guest', 100, 'hour', 'AVERAGE', { now });
    expect(seriesPoints(g).find((p) => p.t === minute + 360)!.cpu).toBeNull();
    expect(seriesPoints(g).find((p) => p.t === minute)!.cpu).toBe(0.5);

    // Only new points with `since`: the current period and after.
    const live = await querySeries(t.db, 'node', 'n2', 'hour', 'AVERAGE', { now, since: minute + 350 });
    expect(seriesPoints(live).map((p) => p.t)).toEqual([minute + 350, minute + 360]);

    // A late sample from a period the ring has already passed is dropped.
    await ingestSamples(t.db, 'n2', [sample(minute + 360 - 3600, 99)]);
    const again = await querySeries(t.db, 'node', 'n2', 'hour', 'MAX', { now });
    expect(seriesPoints(again).find((p) => p.t === minute + 360)!.cpu).toBe(2);

    const latest = await latestAll(t.db, 'node', now + 5);
    expect(latest.find((l) => l.node === 'n2')?.cpu).toBe(2);
    expect(await latestAll(t.db, 'node', now + 120)).toEqual([]);
  });

  it('drops the rings of a deleted guest, once its node stops listing it and its row is gone', async () => {
    await t.db.node.create({ data: { name: 'n3', url: 'https://127.0.0.1:1', fingerprint: 'x', tokenEnc: 'x' } });
    for (const vmid of [300, 301])
      await t.db.guest.create({ data: { vmid, nodeName: 'n3', name: `g${vmid}`, config: {} } });
    const collector = new MetricsCollector(t.db);
    const t0 = start + 2000 * 86_400;
    const count = async (vmid: number) => t.db.guestMetric.count({ where: { vmid } });
    await collector.store('n3', [sample(t0, 1, 0.5, [300, 301])]);
    expect(await count(301)).toBeGreaterThan(0);
    // The agent no longer lists 301, but the node monitor has not removed its row yet: kept.
    await collector.store('n3', [sample(t0 + 10, 1, 0.5, [300])]);
    expect(await count(301)).toBeGreaterThan(0);
    await t.db.guest.delete({ where: { vmid: 301 } });
    await collector.store('n3', [sample(t0 + 20, 1, 0.5, [300])]);
    expect(await count(301)).toBe(0);
    expect(await count(300)).toBeGreaterThan(0);
  });

  it("writes a node's completed minute to the roll-ups at that node's second of the next minute", async () => {
    // Two nodes whose roll-up seconds are far apart: their roll-ups are not written in the same pulls.
    const names = Array.from({ length: 200 }, (_, i) => `spread${i}`);
    const early = names.find((n) => rollupSecond(n) < 10)!;
    const late = names.find((n) => rollupSecond(n) > 30 && rollupSecond(n) <= 40)!;
    const collector = new MetricsCollector(t.db);
    const minute = Math.floor((start + 3000 * 86_400) / 60) * 60;
    const rolled = async (node: string) => t.db.nodeMetric.count({ where: { node, tier: 1, ts: BigInt(minute) } });
    for (const node of [early, late]) {
      await collector.store(
        node,
        [0, 10, 20, 30, 40, 50].map((s) => sample(minute + s, 1)),
      );
      for (const s of [60, 70]) await collector.store(node, [sample(minute + s, 1)]);
    }
    expect(await rolled(early)).toBe(1);
    expect(await rolled(late)).toBe(0);
    for (const s of [80, 90]) await collector.store(late, [sample(minute + s, 1)]);
    expect(await rolled(late)).toBe(0);
    await collector.store(late, [sample(minute + 100, 1)]);
    expect(await rolled(late)).toBe(1);
    // The minute holds all six samples, each written once.
    const row = await t.db.nodeMetric.findFirstOrThrow({ where: { node: late, tier: 1, ts: BigInt(minute) } });
    expect(row.n).toBe(6);
  });
});
