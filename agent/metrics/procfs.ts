// Parsers of the /proc files the metrics sampler reads (pure), and small readers.

import { readFile } from 'node:fs/promises';

/** `/proc/stat` first line: total and idle jiffies over all CPUs. */
export function parseProcStat(text: string): { total: number; idle: number } | null {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return null;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal [guest guest_nice]: guest time is
  // already counted in user/nice, so only the first eight fields add up to the total.
  const fields = v.slice(0, 8);
  if (fields.length < 4 || fields.some((n) => !Number.isFinite(n))) return null;
  const total = fields.reduce((a, b) => a + b, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { total, idle };
}

/** `/proc/meminfo` in bytes: used = total − available (as `free` and Proxmox count it). */
export function parseMeminfo(text: string): { memTotal: number; memUsed: number; swapTotal: number; swapUsed: number } {
  const kb = (key: string): number => {
    const m = new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(text);
    return m ? Number(m[1]) * 1024 : 0;
  };
  const memTotal = kb('MemTotal');
  const available = /^MemAvailable:/m.test(text) ? kb('MemAvailable') : kb('MemFree') + kb('Buffers') + kb('Cached');
  const swapTotal = kb('SwapTotal');
  return {
    memTotal,
    memUsed: Math.max(0, memTotal - available),
    swapTotal,
    swapUsed: Math.max(0, swapTotal - kb('SwapFree')),
  };
}

/** Interfaces whose traffic is not the node's own: loopback and guests' host-side devices. */
const NOT_NODE_TRAFFIC = /^(lo|tap.*|veth.*|fwpr.*|fwln.*|ifb.*)$/;

/** `/proc/net/dev`: received and sent bytes summed over the node's interfaces. */
export function parseNetDev(text: string): { rx: number; tx: number } {
  let rx = 0;
  let tx = 0;
  for (const line of text.split('\n').slice(2)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    if (NOT_NODE_TRAFFIC.test(name)) continue;
    const f = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/)
      .map(Number);
    rx += f[0] ?? 0;
    tx += f[8] ?? 0;
  }
  return { rx, tx };
}

/** Whole disks only: partitions would count the same bytes twice; loop, ram and zram devices are not disks. */
const WHOLE_DISK = /^(sd[a-z]+|vd[a-z]+|xvd[a-z]+|hd[a-z]+|nvme\d+n\d+|mmcblk\d+)$/;

/** `/proc/diskstats`: bytes read and written on whole disks (sectors are 512 bytes there). */
export function parseDiskstats(text: string): { read: number; written: number } {
  let read = 0;
  let written = 0;
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10 || !WHOLE_DISK.test(f[2] ?? '')) continue;
    read += Number(f[5]) * 512;
    written += Number(f[9]) * 512;
  }
  return { read, written };
}

/** `/proc/pressure/<resource>`: the `some avg10` percentage. */
export function parsePressure(text: string): number | null {
  const m = /^some\s+avg10=([0-9.]+)/m.exec(text);
  return m ? Number(m[1]) : null;
}

/** `/proc/<pid>/stat`: utime + stime in clock ticks (fields 14 and 15). */
export function parsePidCpuTicks(text: string): number | null {
  // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  return Number.isFinite(utime) && Number.isFinite(stime) ? utime + stime : null;
}

/** `/proc/<pid>/status`: VmRSS in bytes. */
export function parseRss(text: string): number | null {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(text);
  return m ? Number(m[1]) * 1024 : null;
}

/** Reads a file, or null when it is missing or unreadable (a process that just exited, no PSI). */
export async function readOptional(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    return null;
  }
}

/**
 * USER_HZ: the unit of /proc/<pid>/stat times. Linux fixes it at 100 on every
 * architecture Horcrux runs on (the kernel converts for userspace).
 */
export const USER_HZ = 100;

/** A process's CPU time (seconds) and resident memory (bytes), or null when it is gone. */
export async function readProcessUsage(pid: number): Promise<{ cpuSeconds: number; rss: number } | null> {
  const [stat, status] = await Promise.all([readOptional(`/proc/${pid}/stat`), readOptional(`/proc/${pid}/status`)]);
  const ticks = stat === null ? null : parsePidCpuTicks(stat);
  if (ticks === null) return null;
  return { cpuSeconds: ticks / USER_HZ, rss: (status === null ? null : parseRss(status)) ?? 0 };
}
