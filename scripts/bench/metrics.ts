/**
 * npm run bench:metrics: what storing metrics costs the console for 100
 * simulated nodes × 100 guests sampled every 10 s, on PGlite and PostgreSQL.
 *
 * For each database and each way of writing the roll-ups, one fresh database:
 * a warm-up minute of samples, then the minute one hour later is measured (the
 * full-resolution ring then overwrites its slots, as in steady state): CPU
 * seconds of this process (process.cpuUsage, which includes PGlite since it runs
 * in-process, and the decoding of the agents' answers) and, for PostgreSQL, of
 * its server processes. Then the median time of a day graph of one guest and
 * of one node with a full day stored.
 */
import { seriesPoints } from '@/server/services/metrics/series';
import { readdir, readFile } from 'node:fs/promises';
import { ZMetricsSamples, type MetricsSample } from '@/agent/contract/metrics';
import { MetricsCollector } from '@/server/services/metrics/collect';
import { ingestSamples } from '@/server/services/metrics/ingest';
import { querySeries } from '@/server/services/metrics/query';
import { openTestDb, type TestDb, type TestDbKind } from '@/server/testing/test-db';

const NODES = Number(process.env.BENCH_NODES ?? 100);
const GUESTS = Number(process.env.BENCH_GUESTS ?? 100);
const ROUNDS = 6;
const GiB = 1024 ** 3;

function rnd(seed: number): number {
  const x = Math.sin(seed * 12.9898) * 43758.5453;
  return x - Math.floor(x);
}

function sampleOf(node: number, t: number): MetricsSample {
  const guests = Array.from({ length: GUESTS }, (_, g) => {
    const vmid = 1000 + node * GUESTS + g;
    const r = rnd(vmid + t);
    return {
      vmid,
      status: 'running' as const,
      cpu: r * 2,
      maxcpu: 2,
      mem: (0.3 + r * 0.5) * 2 * GiB,
      maxmem: 2 * GiB,
      diskRead: r * 1e6,
      diskWrite: r * 5e5,
      diskReadOps: r * 100,
      diskWriteOps: r * 50,
      netIn: r * 1e5,
      netOut: r * 4e4,
      uptime: t % 100_000,
    };
  });
  return {
    t,
    node: {
      cpu: 4 + rnd(node + t) * 8,
      maxcpu: 16,
      load1: 6,
      memUsed: 40 * GiB,
      memTotal: 64 * GiB,
      swapUsed: 0,
      swapTotal: 8 * GiB,
      rootUsed: 12 * GiB,
      rootTotal: 100 * GiB,
      netIn: 1e6,
      netOut: 5e5,
      diskRead: 2e6,
      diskWrite: 1e6,
      psiCpu: 1.5,
      psiMem: 0,
      psiIo: 0.2,
    },
    guests,
    storages: [{ storage: 'local', used: 300 * GiB, total: 1000 * GiB }],
  };
}

/** CPU seconds (user + system) of a PostgreSQL server and its backends, found by its port. */
async function postgresCpu(url: string): Promise<number> {
  const port = new URL(url).port;
  const pids = (await readdir('/proc')).filter((p) => /^\d+$/.test(p));
  const stats = new Map<string, string[]>();
  let postmaster: string | null = null;
  for (const pid of pids) {
    const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    if (!stat) continue;
    stats.set(pid, stat.slice(stat.lastIndexOf(')') + 2).split(' '));
    const args = cmd.split('\0');
    if (args[0]?.endsWith('/postgres') && args.includes('-p') && args[args.indexOf('-p') + 1] === port)
      postmaster = pid;
  }
  if (!postmaster) return NaN;
  let ticks = 0;
  for (const [pid, f] of stats) {
    if (pid === postmaster || f[1] === postmaster) ticks += Number(f[11]) + Number(f[12]);
  }
  return ticks / 100;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

type Mode = 'every pull' | 'per minute';
type Row = {
  db: TestDbKind;
  mode: Mode;
  consoleCpu: number;
  serverCpu: number | null;
  wallPerRound: number;
  dayGuestMs: number;
  dayNodeMs: number;
};

async function run(kind: TestDbKind, mode: Mode): Promise<Row> {
  const t: TestDb = await openTestDb(kind);
  const url = t.url;
  try {
    const collector = new MetricsCollector(t.db);
    const base = Math.floor(Date.now() / 1000 / 3600) * 3600 - 2 * 86_400;
    // What a node's agent answers: encoded as JSON once, decoded and checked per pull as the client does.
    const round = async (t0: number) => {
      await Promise.all(
        Array.from({ length: NODES }, async (_, n) => {
          const body = JSON.stringify({ interval: 10, samples: [sampleOf(n, t0)] });
          const { samples } = ZMetricsSamples.parse(JSON.parse(body));
          if (mode === 'per minute') await collector.store(`node${n}`, samples);
          else await ingestSamples(t.db, `node${n}`, samples);
        }),
      );
    };
    for (let r = 0; r < ROUNDS + 1; r++) await round(base + r * 10);
    // Unmeasured: the first sample of the measured minute (an hour later, so the full-resolution ring wraps).
    const measured = base + 3600;
    await round(measured);
    const serverBefore = url ? await postgresCpu(url) : NaN;
    const wall0 = performance.now();
    const cpu0 = process.cpuUsage();
    // Six rounds: one minute of samples; the last opens the next minute, so the per-minute
    // roll-up of the measured minute is written inside the measurement, exactly once.
    for (let r = 1; r <= ROUNDS; r++) await round(measured + r * 10);
    const cpu = process.cpuUsage(cpu0);
    const wall = performance.now() - wall0;
    const serverAfter = url ? await postgresCpu(url) : NaN;

    // A full day for one node and one guest, then the day graph, as the UI asks for it.
    const day: MetricsSample[] = [];
    const end = measured + 3600;
    for (let s = end - 86_400; s < end; s += 60) {
      const one = sampleOf(0, s);
      day.push({ ...one, guests: one.guests.slice(0, 1) });
    }
    await ingestSamples(t.db, 'node-q', day);
    const times = async (fn: () => Promise<unknown>) => {
      const ms: number[] = [];
      for (let i = 0; i < 21; i++) {
        const a = performance.now();
        await fn();
        ms.push(performance.now() - a);
      }
      return median(ms);
    };
    const vmid = day[0]!.guests[0]!.vmid;
    const dayGuestMs = await times(() => querySeries(t.db, 'guest', vmid, 'day', 'AVERAGE', { now: end }));
    const dayNodeMs = await times(() => querySeries(t.db, 'node', 'node-q', 'day', 'AVERAGE', { now: end }));
    const points = await querySeries(t.db, 'guest', vmid, 'day', 'AVERAGE', { now: end });
    if (seriesPoints(points).filter((p) => p.cpu !== null).length < 1400) throw new Error('day graph misses points');
    return {
      db: kind,
      mode,
      consoleCpu: (cpu.user + cpu.system) / 1e6,
      serverCpu: url ? serverAfter - serverBefore : null,
      wallPerRound: wall / ROUNDS / 1000,
      dayGuestMs,
      dayNodeMs,
    };
  } finally {
    await t.close();
  }
}

async function main(): Promise<void> {
  console.log(
    `metrics ingest: ${NODES} nodes × ${GUESTS} guests, one sample per node every 10 s; ${ROUNDS} rounds = 1 minute of samples`,
  );
  const rows: Row[] = [];
  for (const kind of ['pglite', 'postgres'] as const) {
    for (const mode of ['per minute', 'every pull'] as const) {
      const row = await run(kind, mode);
      rows.push(row);
      console.log(`  done: ${kind}, roll-ups written ${mode}`);
    }
  }
  const pad = (s: string, n: number) => s.padEnd(n);
  console.log(
    `\n${pad('database', 10)}${pad('roll-ups written', 18)}${pad('console CPU s/min', 19)}${pad('DB server CPU s/min', 21)}${pad('wall s/round', 14)}${pad('day graph guest', 17)}day graph node`,
  );
  for (const r of rows) {
    console.log(
      `${pad(r.db, 10)}${pad(r.mode, 18)}${pad(r.consoleCpu.toFixed(2), 19)}${pad(r.serverCpu === null ? '(in process)' : r.serverCpu.toFixed(2), 21)}${pad(r.wallPerRound.toFixed(2), 14)}${pad(`${r.dayGuestMs.toFixed(1)} ms`, 17)}${r.dayNodeMs.toFixed(1)} ms`,
    );
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
