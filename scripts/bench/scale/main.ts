/**
 * `npm run bench:scale`: the control plane at cluster scale, on PostgreSQL and
 * on the embedded PGlite in turn. For each database: a fresh console (the
 * production build), N simulated agents that join as real nodes, the seeded
 * guests mirrored by the node monitor, then open-model load over the calls the
 * UI makes most while start/stop tasks stream in, then rising rates to find
 * the capacity (the highest rate whose p95 over the reads stays under 100 ms).
 *
 *   npm run bench:scale -- [--nodes 100] [--guests 100] [--rate 200] [--seconds 60] [--db postgres,pglite] [--no-ui]
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { parseResourceTree, type ResourceTree } from '@/server/services/cluster/tree-wire';
import { ensureCertificate } from '@/server/tls';
import { freePort, startPostgres, type TestPostgres } from '@/server/testing/postgres';
import { httpClient, signIn, type Http } from './http';
import { openLoad, percentile, seeded, type Call, type LoadResult } from './load';
import { cpuSeconds, cpuSecondsOfAll, machine, memoryMiB, referenceMs, startNode, type Proc } from './processes';
import { benchTreeUi } from './ui';

const { values: args } = parseArgs({
  options: {
    nodes: { type: 'string', default: '100' },
    guests: { type: 'string', default: '100' },
    rate: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '60' },
    'step-seconds': { type: 'string', default: '20' },
    db: { type: 'string', default: 'postgres,pglite' },
    'no-ui': { type: 'boolean', default: false },
  },
});
const NODES = Number(args.nodes);
const GUESTS = Number(args.guests);
const RATE = Number(args.rate);
const SECONDS = Number(args.seconds);
const STEP_SECONDS = Number(args['step-seconds']);
const FIRST_VMID = 1000;
/**
 * The simulated agents' nice value: on a real cluster each runs on its own
 * host; sharing the console's two CPUs here, they get what it leaves rather
 * than an equal share.
 */
const FLEET_NICE = 10;
const CAPACITY_STEPS = [25, 50, 75, 100, 125, 150, 175, 200, 250, 300, 400, 500, 600, 800, 1000];
const ADMIN = { username: 'admin', password: 'scale bench password' };
const root = path.resolve(import.meta.dirname, '../../..');

type Round = {
  db: string;
  seedSeconds: number;
  main: LoadResult;
  tasks: LoadResult;
  cpuPerSecond: number;
  /** Cores used during the main load by the other parts sharing the machine. */
  others: { database: number; fleet: number; generator: number };
  idleCpu: number;
  rss: number;
  peak: number;
  dbBytes: number;
  capacity: { rate: number; p95: number; errors: number }[];
  ui?: Record<string, number>;
  /** {@link referenceMs} before and after the main load. */
  reference: readonly [number, number];
};

const log = (line: string): void => console.log(`[bench:scale] ${line}`);

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

type Tree = ResourceTree;

/**
 * The reads the UI makes most, as the browser calls them. Answers are checked
 * (HTTP 200, a tRPC result) but not decoded: the generator shares the CPUs
 * with the console, and decoding ten thousand guests per tree is the
 * browser's work, not the server's.
 */
function readCalls(http: Http, tree: Tree): Call[] {
  const random = seeded(7);
  const vmids = tree.nodes.flatMap((n) => n.guests.map((g) => g.vmid));
  const nodes = tree.nodes.map((n) => n.name);
  const any = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)]!;
  return [
    { name: 'cluster.resources (tree)', weight: 2, run: () => http.probe('cluster.resources') },
    { name: 'vm.list (one node)', weight: 2, run: () => http.probe('vm.list', { node: any(nodes) }) },
    {
      name: 'vm.search (filter, sort, page)',
      weight: 2,
      run: () => http.probe('vm.search', { search: any(nodes), sort: 'name', dir: 'desc', limit: 100 }),
    },
    { name: 'vm.get (one guest)', weight: 3, run: () => http.probe('vm.get', { vmid: any(vmids) }) },
    { name: 'task.recent', weight: 1, run: () => http.probe('task.recent', { limit: 50 }) },
    {
      name: 'metrics.guest (day graph)',
      weight: 2,
      run: () => http.probe('metrics.guest', { vmid: any(vmids), range: 'day', cf: 'AVERAGE' }),
    },
  ];
}

/** A steady stream of start/stop tasks on simulated guests, through the console. */
function taskCalls(http: Http, tree: Tree): Call[] {
  const random = seeded(11);
  const vmids = tree.nodes.flatMap((n) => n.guests.map((g) => g.vmid));
  const state = new Map(tree.nodes.flatMap((n) => n.guests.map((g) => [g.vmid, g.status] as const)));
  return [
    {
      name: 'vm.action (start/stop)',
      weight: 1,
      run: async () => {
        const vmid = vmids[Math.floor(random() * vmids.length)]!;
        const action = state.get(vmid) === 'running' ? 'stop' : 'start';
        state.set(vmid, action === 'stop' ? 'stopped' : 'running');
        await http.mutate('vm.action', { vmid, action });
      },
    },
  ];
}

const readsOf = (r: LoadResult): number[] => r.perCall.flatMap((c) => c.latencies);
const errorsOf = (r: LoadResult): number => r.perCall.reduce((s, c) => s + c.errors, 0);

async function databaseBytes(db: string, url: string | undefined, dataDir: string): Promise<number> {
  if (db === 'postgres' && url) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{ size: string }>('SELECT pg_database_size(current_database()) AS size');
      return Number(rows[0]!.size);
    } finally {
      await client.end();
    }
  }
  const { execFile } = await import('node:child_process');
  const out = await new Promise<string>((resolve, reject) =>
    execFile('du', ['-sb', path.join(dataDir, 'db')], (e, stdout) => (e ? reject(e) : resolve(stdout))),
  );
  return Number(out.split('\t')[0]);
}

async function round(db: 'postgres' | 'pglite'): Promise<Round> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), `hx-scale-${db}-`));
  const dataDir = path.join(tmp, 'console');
  let postgres: TestPostgres | undefined;
  const procs: Proc[] = [];
  let http: Http | undefined;
  try {
    if (db === 'postgres') postgres = await startPostgres({ durable: true });
    const port = await freePort();
    const origin = `https://127.0.0.1:${port}`;
    log(`${db}: starting the console on ${origin}`);
    const consoleProc = await startNode(
      'server/main.ts',
      {
        NODE_ENV: 'production',
        HORCRUX_DATA_DIR: dataDir,
        HORCRUX_PORT: String(port),
        HORCRUX_HOST: '127.0.0.1',
        ...(postgres ? { DATABASE_URL: postgres.url } : {}),
      },
      /listening on/,
      path.join(tmp, 'console.log'),
    );
    procs.push(consoleProc);
    http = httpClient(origin);
    await http.mutate('setup.complete', { clusterName: 'scale', ...ADMIN });
    await signIn(http, ADMIN.username, ADMIN.password);

    const tokens: string[] = [];
    for (let i = 0; i < NODES; i++) {
      tokens.push((await http.mutate<{ token: string }>('node.createJoinToken', { consoleUrl: origin })).token);
    }
    const { fingerprint256 } = await ensureCertificate(dataDir, 'console');
    log(`${db}: ${NODES} simulated agents seed ${GUESTS} guests each and join`);
    const seedStart = Date.now();
    const fleet = await startNode(
      'scripts/bench/scale/fleet.ts',
      {
        FLEET_SPEC: JSON.stringify({
          consoleUrl: origin,
          consoleFingerprint: fingerprint256,
          tokens,
          guestsPerNode: GUESTS,
          running: 0.5,
          firstVmid: FIRST_VMID,
        }),
      },
      /^READY /,
      path.join(tmp, 'fleet.log'),
      1_800_000,
      FLEET_NICE,
    );
    procs.push(fleet);
    const want = NODES * GUESTS;
    let seen = 'nothing yet';
    const tree = await waitFor(
      `${want} guests in the console`,
      async () => {
        const t = parseResourceTree(await http!.query<string>('cluster.resources'));
        const n = t.nodes.reduce((s, node) => s + node.guests.length, 0);
        seen = `${t.nodes.length} nodes, ${n} guests`;
        return n >= want && t.nodes.length >= NODES ? t : undefined;
      },
      600_000,
    ).catch((e: Error) => {
      throw new Error(`${e.message} (seen: ${seen})`);
    });
    const seedSeconds = (Date.now() - seedStart) / 1000;
    log(`${db}: ${NODES} nodes and ${want} guests mirrored after ${seedSeconds.toFixed(0)} s`);

    const pid = consoleProc.child.pid!;
    // The console's own work for the fleet (node monitor, metrics collection), with no one asking.
    const idle0 = await cpuSeconds(pid);
    const idleT0 = performance.now();
    await new Promise((r) => setTimeout(r, 20_000));
    const idleCpu = ((await cpuSeconds(pid)) - idle0) / ((performance.now() - idleT0) / 1000);
    log(`${db}: console CPU with no requests: ${idleCpu.toFixed(2)} cores`);

    const reads = readCalls(http, tree);
    // Before the warm-up: right after it, the console and this process are still settling.
    const referenceBefore = referenceMs();
    // Warm-up at the same rate: JIT, caches, and the generator's connections (starting cold, the first
    // second opens them all at once, a burst of handshakes that a steady stream of users does not make).
    await openLoad(reads, RATE, 10);
    const cpu0 = await cpuSeconds(pid);
    const others0 = {
      database: db === 'postgres' ? await cpuSecondsOfAll('postgres') : 0,
      fleet: await cpuSeconds(fleet.child.pid!),
      generator: process.cpuUsage(),
    };
    const t0 = performance.now();
    log(`${db}: ${RATE} requests/s for ${SECONDS} s, with start/stop tasks at 2/s`);
    const [main, tasks] = await Promise.all([
      openLoad(reads, RATE, SECONDS),
      openLoad(taskCalls(http, tree), 2, SECONDS, 3),
    ]);
    const elapsed = (performance.now() - t0) / 1000;
    const cpuPerSecond = ((await cpuSeconds(pid)) - cpu0) / elapsed;
    const generatorCpu = process.cpuUsage(others0.generator);
    const others = {
      database: db === 'postgres' ? ((await cpuSecondsOfAll('postgres')) - others0.database) / elapsed : 0,
      fleet: ((await cpuSeconds(fleet.child.pid!)) - others0.fleet) / elapsed,
      generator: (generatorCpu.user + generatorCpu.system) / 1e6 / elapsed,
    };
    const { rss, peak } = await memoryMiB(pid);
    const reference = [referenceBefore, referenceMs()] as const;

    // Rising rates from well below the target, so that the figure is found whichever side of it the console is.
    const capacity: Round['capacity'] = [];
    for (const rate of CAPACITY_STEPS) {
      const r = await openLoad(reads, rate, STEP_SECONDS, rate);
      const step = { rate, p95: percentile(readsOf(r), 95), errors: errorsOf(r) };
      capacity.push(step);
      log(`${db}: capacity step ${rate}/s: p95 ${step.p95.toFixed(1)} ms, ${step.errors} errors`);
      if (step.p95 >= 100 || step.errors > 0) break;
    }
    const ui = !args['no-ui'] && db === 'postgres' ? await benchTreeUi(origin, http.cookie, want) : undefined;
    const dbBytes = await databaseBytes(db, postgres?.url, dataDir);
    return { db, seedSeconds, main, tasks, cpuPerSecond, others, idleCpu, rss, peak, dbBytes, capacity, ui, reference };
  } finally {
    http?.close();
    for (const p of procs.reverse()) await p.stop();
    await postgres?.stop();
    await rm(tmp, { recursive: true, force: true });
  }
}

function report(r: Round): void {
  const fmt = (n: number): string => (Number.isNaN(n) ? '-' : n.toFixed(1));
  console.log(`\n## ${r.db}: ${NODES} nodes × ${GUESTS} guests, ${RATE} requests/s for ${SECONDS} s (open model)\n`);
  console.log('| call | requests | p50 ms | p95 ms | p99 ms | errors |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const c of [...r.main.perCall, ...r.tasks.perCall]) {
    const err = c.errors ? `${c.errors} (${c.firstError?.slice(0, 80)})` : '0';
    console.log(
      `| ${c.name} | ${c.latencies.length + c.errors} | ${fmt(percentile(c.latencies, 50))} | ${fmt(percentile(c.latencies, 95))} | ${fmt(percentile(c.latencies, 99))} | ${err} |`,
    );
  }
  const all = readsOf(r.main);
  console.log(
    `| all reads | ${all.length + errorsOf(r.main)} | ${fmt(percentile(all, 50))} | ${fmt(percentile(all, 95))} | ${fmt(percentile(all, 99))} | ${errorsOf(r.main)} |`,
  );
  console.log(
    `\nachieved ${(r.main.completed / r.main.seconds).toFixed(0)} requests/s; console CPU ${r.cpuPerSecond.toFixed(2)} cores (${r.idleCpu.toFixed(2)} with no requests), RSS ${r.rss.toFixed(0)} MiB (peak ${r.peak.toFixed(0)}); database ${(r.dbBytes / 2 ** 20).toFixed(0)} MiB; seeding and first sync ${r.seedSeconds.toFixed(0)} s`,
  );
  const o = r.others;
  console.log(
    `machine's other CPU during the load: ${r.db === 'postgres' ? `PostgreSQL ${o.database.toFixed(2)} cores, ` : ''}simulated agents ${o.fleet.toFixed(2)}, load generator ${o.generator.toFixed(2)}`,
  );
  console.log(
    `machine speed: the reference work (scripts/bench/scale/processes.ts, referenceMs) took ${r.reference[0].toFixed(0)} ms before the load and ${r.reference[1].toFixed(0)} ms after (lower is faster; compare runs by it)`,
  );
  const ok = r.capacity.filter((s) => s.p95 < 100 && s.errors === 0);
  const steps = r.capacity.map((s) => `${s.rate}/s → p95 ${fmt(s.p95)} ms${s.errors ? `, ${s.errors} errors` : ''}`);
  console.log(`capacity steps (${STEP_SECONDS} s each): ${steps.join('; ')}`);
  console.log(
    `capacity (highest rate with p95 < 100 ms and no errors): ${ok.length ? `${ok[ok.length - 1]!.rate} requests/s` : `below ${r.capacity[0]?.rate} requests/s`}${ok.length === r.capacity.length ? ' (not reached: the highest step tried)' : ''}`,
  );
  if (r.ui) {
    console.log(`\nUI in Chromium at ${NODES * GUESTS} guests:`);
    for (const [k, v] of Object.entries(r.ui)) console.log(`- ${k}: ${v.toFixed(0)} ms`);
  }
}

async function main(): Promise<void> {
  if (!existsSync(path.join(root, '.next', 'BUILD_ID'))) throw new Error('build the console first: npx next build');
  console.log(`# bench:scale on ${machine()}`);
  for (const db of args.db.split(',') as ('postgres' | 'pglite')[]) report(await round(db));
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
