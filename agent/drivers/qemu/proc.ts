import { readFile } from 'node:fs/promises';
import { exec } from '../../lib/exec';

/** The pid in a QEMU pid file, or null when the file is missing or holds no pid. */
export async function readPidFile(file: string): Promise<number | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

type ProcStat = { state: string; startTicks: number };

async function readStat(pid: number): Promise<ProcStat | null> {
  let text: string;
  try {
    text = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name (field 2) may hold spaces and parentheses: parse after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0] ?? '?', startTicks: Number(fields[19]) };
}

/**
 * Whether a process is alive: it exists and is neither a zombie nor dead.
 * A daemonized QEMU is not our child; where nothing reaps orphans (some
 * containers) it lingers as a zombie after it exits.
 */
export async function isAlive(pid: number): Promise<boolean> {
  const stat = await readStat(pid);
  return stat !== null && stat.state !== 'Z' && stat.state !== 'X' && stat.state !== 'x';
}

/** The argument vector of a live process, or null. */
export async function readCmdline(pid: number): Promise<string[] | null> {
  try {
    const raw = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    return raw.split('\0').filter((a, i, all) => a !== '' || i < all.length - 1);
  } catch {
    return null;
  }
}

let clockTicks: Promise<number> | null = null;

function ticksPerSecond(): Promise<number> {
  clockTicks ??= exec('getconf', ['CLK_TCK'], { timeoutMs: 5_000 }).then(({ stdout }) => {
    const n = Number(stdout.trim());
    if (!Number.isInteger(n) || n <= 0) throw new Error(`getconf CLK_TCK printed ${JSON.stringify(stdout)}`);
    return n;
  });
  return clockTicks;
}

/** Seconds since the process started, from /proc; null when it is gone. */
export async function processUptimeSeconds(pid: number): Promise<number | null> {
  const stat = await readStat(pid);
  if (!stat || !Number.isFinite(stat.startTicks)) return null;
  const [hz, uptimeText] = await Promise.all([ticksPerSecond(), readFile('/proc/uptime', 'utf8')]);
  const systemUptime = Number(uptimeText.split(' ')[0]);
  return Math.max(0, Math.floor(systemUptime - stat.startTicks / hz));
}

/** Polls until the process is no longer alive; false when it still is after `timeoutMs`. */
export async function waitForExit(pid: number, timeoutMs: number, intervalMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!(await isAlive(pid))) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
