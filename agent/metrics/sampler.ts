import type { GuestSample, MetricsSample, NodeSample, StorageSample } from '../contract/metrics';
import type { GuestCounters, GuestDriver } from '../drivers/types';
import { hostRates, readHost, type HostCounters } from './host';

export const SAMPLE_INTERVAL_S = 10;
/** Samples kept for the console to pull: 30 min, so a console outage of that long leaves no gap. */
export const KEEP_SECONDS = 30 * 60;

export type SampledGuest = { vmid: number; maxcpu: number; maxmem: number };

export type SamplerOptions = {
  driver: GuestDriver;
  /** The guests defined on this node, with their vCPUs and configured memory. */
  guests: () => Promise<SampledGuest[]>;
  storages: () => Promise<{ id: string; usedBytes: number; totalBytes: number }[]>;
  /** `host` reads /proc; `sim` (simulated nodes) sums its simulated guests instead. */
  node: 'host' | 'sim';
  /** Unix time in ms; tests inject a clock. */
  now?: () => number;
  log?: (line: string) => void;
};

type Previous = { t: number; instance: string | null; c: GuestCounters };

function rate(prev: number | null | undefined, cur: number | null, seconds: number): number | null {
  if (prev === null || prev === undefined || cur === null || cur < prev || seconds <= 0) return null;
  return (cur - prev) / seconds;
}

/**
 * Samples the node and its guests every 10 s, on the wall clock's 10 s marks,
 * and keeps the last 30 min in a ring. Rates come from the difference with the
 * previous reading; a guest's first reading after a (re)start has none (null:
 * a gap, never an invented value).
 */
export class MetricsSampler {
  private readonly o: SamplerOptions;
  private readonly ring: MetricsSample[] = [];
  private readonly prevGuests = new Map<number, Previous>();
  private prevHost: { t: number; c: HostCounters | null } | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** Counts start() and stop() calls: a schedule belongs to one start. */
  private starts = 0;
  private running: Promise<void> | null = null;
  private readonly now: () => number;

  constructor(options: SamplerOptions) {
    this.o = options;
    this.now = options.now ?? Date.now;
  }

  /**
   * Samples now and then every 10 s, at the wall clock's 10 s marks plus
   * `offsetMs`. Agents of a simulated fleet that share one process take
   * different offsets, as separate hosts would not share a CPU.
   */
  start(offsetMs = 0): void {
    if (this.timer) return;
    const period = SAMPLE_INTERVAL_S * 1000;
    const started = ++this.starts;
    const schedule = (): void => {
      // A sample running when stop() was called must not start the old schedule again.
      if (started !== this.starts) return;
      const ms = this.now();
      const next = (Math.floor((ms - offsetMs) / period) + 1) * period + offsetMs;
      this.timer = setTimeout(() => {
        void this.sampleOnce().finally(schedule);
      }, next - ms);
      this.timer.unref();
    };
    void this.sampleOnce();
    schedule();
  }

  stop(): void {
    this.starts++;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Samples kept, taken after `since` (Unix seconds), oldest first. */
  samples(since = 0): MetricsSample[] {
    return this.ring.filter((s) => s.t > since);
  }

  /** Takes one sample now (a round still running is awaited instead of overlapped). */
  sampleOnce(): Promise<void> {
    this.running ??= this.take()
      .catch((e: unknown) => this.o.log?.(`metrics sampling failed: ${e instanceof Error ? e.message : String(e)}`))
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }

  private async take(): Promise<void> {
    const t = Math.round(this.now() / 1000);
    const [guests, storages] = await Promise.all([this.sampleGuests(t), this.sampleStorages()]);
    const node = this.o.node === 'host' ? await this.sampleHost(t) : simulatedNode(guests);
    const last = this.ring.at(-1);
    if (last && last.t >= t) return;
    this.ring.push({ t, node, guests, storages });
    while (this.ring.length > 0 && this.ring[0]!.t <= t - KEEP_SECONDS) this.ring.shift();
  }

  private async sampleHost(t: number): Promise<NodeSample> {
    let prev = this.prevHost;
    if (!prev) {
      // No earlier reading (agent start): take one a second before, so the first sample has real rates.
      prev = { t: t - 1, c: (await readHost()).counters };
      await new Promise((r) => setTimeout(r, 1000));
    }
    const reading = await readHost();
    this.prevHost = { t, c: reading.counters };
    return {
      ...reading.gauges,
      ...hostRates(prev?.c ?? null, reading.counters, prev ? t - prev.t : 0, reading.gauges.maxcpu),
    };
  }

  private async sampleStorages(): Promise<StorageSample[]> {
    const list = await this.o.storages().catch(() => []);
    return list.map((s) => ({ storage: s.id, used: s.usedBytes, total: s.totalBytes }));
  }

  private async sampleGuests(t: number): Promise<GuestSample[]> {
    const defined = await this.o.guests();
    const seen = new Set<number>();
    const out = await Promise.all(
      defined.map(async (g): Promise<GuestSample> => {
        seen.add(g.vmid);
        const c = await this.o.driver.sampleGuest?.(g.vmid).catch(() => null);
        const prev = this.prevGuests.get(g.vmid);
        if (c) this.prevGuests.set(g.vmid, { t, instance: c.instance, c });
        const same = c && prev && c.instance !== null && prev.instance === c.instance;
        const dt = same ? t - prev.t : 0;
        const p = same ? prev.c : null;
        const running = c !== null && c !== undefined && c.state !== 'stopped';
        return {
          vmid: g.vmid,
          status: c?.state ?? 'stopped',
          cpu: running ? rate(p?.cpuSeconds, c.cpuSeconds, dt) : 0,
          maxcpu: g.maxcpu,
          mem: running ? c.memBytes : 0,
          maxmem: g.maxmem,
          diskRead: running ? rate(p?.diskReadBytes, c.diskReadBytes, dt) : null,
          diskWrite: running ? rate(p?.diskWriteBytes, c.diskWriteBytes, dt) : null,
          diskReadOps: running ? rate(p?.diskReadOps, c.diskReadOps, dt) : null,
          diskWriteOps: running ? rate(p?.diskWriteOps, c.diskWriteOps, dt) : null,
          netIn: running ? rate(p?.netInBytes, c.netInBytes, dt) : null,
          netOut: running ? rate(p?.netOutBytes, c.netOutBytes, dt) : null,
          uptime: running ? c.uptimeSeconds : 0,
        };
      }),
    );
    for (const vmid of this.prevGuests.keys()) if (!seen.has(vmid)) this.prevGuests.delete(vmid);
    return out;
  }
}

const GiB = 1024 ** 3;

/** A simulated node: 16 CPUs and 64 GiB carrying its simulated guests, plus a little of its own. */
function simulatedNode(guests: GuestSample[]): NodeSample {
  const sum = (f: (g: GuestSample) => number | null): number => guests.reduce((a, g) => a + (f(g) ?? 0), 0);
  const maxcpu = 16;
  const cpu = Math.min(maxcpu, 0.2 + sum((g) => g.cpu));
  return {
    cpu,
    maxcpu,
    load1: cpu,
    memUsed: 2 * GiB + sum((g) => g.mem),
    memTotal: 64 * GiB,
    swapUsed: 0,
    swapTotal: 8 * GiB,
    rootUsed: 12 * GiB,
    rootTotal: 100 * GiB,
    netIn: sum((g) => g.netOut),
    netOut: sum((g) => g.netIn),
    diskRead: sum((g) => g.diskRead),
    diskWrite: sum((g) => g.diskWrite),
    psiCpu: null,
    psiMem: null,
    psiIo: null,
  };
}
