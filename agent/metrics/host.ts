import { statfs } from 'node:fs/promises';
import os from 'node:os';
import type { NodeSample } from '../contract/metrics';
import { parseDiskstats, parseMeminfo, parseNetDev, parsePressure, parseProcStat, readOptional } from './procfs';

/** Cumulative host counters; two readings make the rates of a sample. */
export type HostCounters = {
  cpuTotal: number;
  cpuIdle: number;
  netRx: number;
  netTx: number;
  diskRead: number;
  diskWrite: number;
};

export type HostReading = {
  /** Everything but the rates. */
  gauges: Omit<NodeSample, 'cpu' | 'netIn' | 'netOut' | 'diskRead' | 'diskWrite'>;
  counters: HostCounters | null;
};

async function rootUsage(): Promise<{ used: number; total: number }> {
  try {
    const s = await statfs('/');
    const total = s.blocks * s.bsize;
    return { used: total - s.bfree * s.bsize, total };
  } catch {
    return { used: 0, total: 0 };
  }
}

/** Reads this host's /proc files (about ten small reads). */
export async function readHost(): Promise<HostReading> {
  const [stat, meminfo, netdev, diskstats, psiCpu, psiMem, psiIo, root] = await Promise.all([
    readOptional('/proc/stat'),
    readOptional('/proc/meminfo'),
    readOptional('/proc/net/dev'),
    readOptional('/proc/diskstats'),
    readOptional('/proc/pressure/cpu'),
    readOptional('/proc/pressure/memory'),
    readOptional('/proc/pressure/io'),
    rootUsage(),
  ]);
  const cpu = stat === null ? null : parseProcStat(stat);
  const mem =
    meminfo === null ? { memTotal: os.totalmem(), memUsed: 0, swapTotal: 0, swapUsed: 0 } : parseMeminfo(meminfo);
  const net = netdev === null ? null : parseNetDev(netdev);
  const disk = diskstats === null ? null : parseDiskstats(diskstats);
  return {
    gauges: {
      maxcpu: Math.max(1, os.cpus().length),
      load1: os.loadavg()[0] ?? 0,
      ...mem,
      rootUsed: root.used,
      rootTotal: root.total,
      psiCpu: psiCpu === null ? null : parsePressure(psiCpu),
      psiMem: psiMem === null ? null : parsePressure(psiMem),
      psiIo: psiIo === null ? null : parsePressure(psiIo),
    },
    counters:
      cpu && net && disk
        ? {
            cpuTotal: cpu.total,
            cpuIdle: cpu.idle,
            netRx: net.rx,
            netTx: net.tx,
            diskRead: disk.read,
            diskWrite: disk.written,
          }
        : null,
  };
}

/** The rates between two readings `seconds` apart; null where a counter went backwards. */
export function hostRates(
  prev: HostCounters | null,
  cur: HostCounters | null,
  seconds: number,
  maxcpu: number,
): Pick<NodeSample, 'cpu' | 'netIn' | 'netOut' | 'diskRead' | 'diskWrite'> {
  const rate = (a: number | undefined, b: number | undefined): number | null =>
    a === undefined || b === undefined || b < a || seconds <= 0 ? null : (b - a) / seconds;
  const dTotal = prev && cur ? cur.cpuTotal - prev.cpuTotal : 0;
  const dIdle = prev && cur ? cur.cpuIdle - prev.cpuIdle : 0;
  return {
    cpu: dTotal > 0 ? Math.min(maxcpu, Math.max(0, ((dTotal - dIdle) / dTotal) * maxcpu)) : 0,
    netIn: rate(prev?.netRx, cur?.netRx),
    netOut: rate(prev?.netTx, cur?.netTx),
    diskRead: rate(prev?.diskRead, cur?.diskRead),
    diskWrite: rate(prev?.diskWrite, cur?.diskWrite),
  };
}
