import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export type Proc = { child: ChildProcess; log: string; stop(): Promise<void> };

const root = path.resolve(import.meta.dirname, '../../..');

/**
 * Starts `node --import tsx <entry>` with extra environment, its output in a
 * log file, and waits until a line matches `ready` (rejects with the log's
 * tail if it exits first or takes longer than `timeoutMs`). `nice` runs it at
 * a lower CPU priority (through coreutils' nice, so every thread has it).
 */
export async function startNode(
  entry: string,
  env: Record<string, string>,
  ready: RegExp,
  log: string,
  timeoutMs = 600_000,
  nice = 0,
): Promise<Proc & { readyLine: string }> {
  // BENCH_CPU_PROF=dir writes a V8 CPU profile of each process there when it stops.
  const prof = process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF] : [];
  const argv = [process.execPath, ...prof, '--import', 'tsx', path.join(root, entry)];
  const [file, ...args] = nice ? ['nice', '-n', String(nice), ...argv] : argv;
  const child = spawn(file!, args, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = createWriteStream(log);
  child.stdout!.pipe(out);
  child.stderr!.pipe(out);
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  const readyLine = await new Promise<string>((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => fail(`no "${ready.source}" within ${timeoutMs / 1000} s`), timeoutMs);
    const fail = (why: string): void => {
      clearTimeout(timer);
      void readFile(log, 'utf8')
        .catch(() => '')
        .then((text) => reject(new Error(`${entry}: ${why}\n${text.split('\n').slice(-30).join('\n')}`)));
    };
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      const line = buffer.split('\n').find((l) => ready.test(l));
      if (line) {
        clearTimeout(timer);
        resolve(line);
      }
    });
    child.once('exit', (code, signal) => fail(`exited (${signal ?? code})`));
  });
  return { child, log, stop, readyLine };
}

/**
 * CPU seconds (user + system) a process has used so far, from /proc; with
 * `reaped`, also its children's that have exited and been waited for.
 */
export async function cpuSeconds(pid: number, reaped = false): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 to 17 of stat (utime, stime, cutime, cstime) are at 11 to 14 after the command name.
  const own = Number(fields[11]) + Number(fields[12]);
  return (reaped ? own + Number(fields[13]) + Number(fields[14]) : own) / 100;
}

/**
 * CPU seconds used so far by every process named `comm` (PostgreSQL's server
 * and backends), with what the ones that exited used: a connection closed
 * during the measurement takes its backend's time with it otherwise, and the
 * difference comes out too low.
 */
export async function cpuSecondsOfAll(comm: string): Promise<number> {
  let total = 0;
  for (const pid of (await readdir('/proc')).filter((d) => /^\d+$/.test(d))) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    if (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) === comm)
      total += await cpuSeconds(Number(pid), true).catch(() => 0);
  }
  return total;
}

/** Resident and peak resident memory of a process in MiB. */
export async function memoryMiB(pid: number): Promise<{ rss: number; peak: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 };
}

/** What this benchmark ran on, for the printed report. */
export function machine(): string {
  const cpus = os.cpus();
  return `${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Linux ${os.release()}, Node ${process.version}`;
}

/**
 * Milliseconds this machine takes for a fixed piece of the console's kind of
 * work (turning 20,000 objects into JSON and back), median of 5: the same code
 * gets slower and faster as the host's other tenants come and go, and the
 * figure tells runs on a slow moment from slower code.
 */
export function referenceMs(): number {
  const rows = Array.from({ length: 20_000 }, (_, i) => ({ vmid: i, name: `guest-${i}`, cpu: i / 7, up: i % 2 === 0 }));
  const times: number[] = [];
  // Two untimed runs first: the first calls also compile the code.
  for (let run = -2; run < 5; run++) {
    const t0 = performance.now();
    for (let k = 0; k < 5; k++) JSON.parse(JSON.stringify(rows));
    if (run >= 0) times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[2]!;
}
