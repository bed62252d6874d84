import { z } from 'zod';
import { ZStorageId, ZVmid } from './common';

/**
 * Metrics the agent samples every 10 s (agent/metrics/) and keeps for 30 min;
 * the console pulls them with `GET /metrics/samples?since=`.
 *
 * Units, the same everywhere (agent, database, graphs, Prometheus):
 * - `cpu`: CPUs busy, 1.0 = one host CPU fully used. For a node the sum over
 *   all its CPUs (at most `maxcpu`, its CPU count); for a guest the CPU time of
 *   its QEMU process per second (a guest spinning on N vCPUs shows about N,
 *   at most its vCPU count `maxcpu` plus QEMU's own threads).
 * - bytes, and bytes or operations per second for throughputs (rates over the
 *   interval since the previous sample); null when the host cannot tell.
 * - PSI: the `some avg10` percentage of /proc/pressure/*, null without PSI.
 */
export const ZNodeSample = z.object({
  cpu: z.number().min(0),
  maxcpu: z.number().int().min(1),
  load1: z.number().min(0),
  memUsed: z.number().min(0),
  memTotal: z.number().min(0),
  swapUsed: z.number().min(0),
  swapTotal: z.number().min(0),
  rootUsed: z.number().min(0),
  rootTotal: z.number().min(0),
  /** Received bytes/s over the node's interfaces (not loopback, tap or veth). */
  netIn: z.number().min(0).nullable(),
  netOut: z.number().min(0).nullable(),
  /** Bytes/s read and written on whole disks (/proc/diskstats; partitions not counted twice). */
  diskRead: z.number().min(0).nullable(),
  diskWrite: z.number().min(0).nullable(),
  psiCpu: z.number().min(0).nullable(),
  psiMem: z.number().min(0).nullable(),
  psiIo: z.number().min(0).nullable(),
});
export type NodeSample = z.infer<typeof ZNodeSample>;

export const ZGuestSample = z.object({
  vmid: ZVmid,
  /** `running`, `paused` or `stopped`; a stopped guest has zeros and null rates. */
  status: z.enum(['running', 'paused', 'stopped']),
  cpu: z.number().min(0).nullable(),
  /** vCPUs (sockets × cores). */
  maxcpu: z.number().int().min(1),
  /** Resident memory of the QEMU process, bytes. */
  mem: z.number().min(0),
  /** Configured memory, bytes. */
  maxmem: z.number().min(0),
  /** From QMP `query-blockstats`, summed over the guest's drives. */
  diskRead: z.number().min(0).nullable(),
  diskWrite: z.number().min(0).nullable(),
  diskReadOps: z.number().min(0).nullable(),
  diskWriteOps: z.number().min(0).nullable(),
  /**
   * From the host side of the guest's tap devices (`tap<vmid>i<n>`), as the
   * guest sees it (in = received by the guest). Null for user-mode NICs: QEMU
   * keeps no byte counters for them.
   */
  netIn: z.number().min(0).nullable(),
  netOut: z.number().min(0).nullable(),
  uptime: z.number().min(0),
});
export type GuestSample = z.infer<typeof ZGuestSample>;

export const ZStorageSample = z.object({ storage: ZStorageId, used: z.number().min(0), total: z.number().min(0) });
export type StorageSample = z.infer<typeof ZStorageSample>;

/** One sampling round: everything read at `t` (Unix seconds). */
export const ZMetricsSample = z.object({
  t: z.number().int().min(0),
  node: ZNodeSample,
  guests: z.array(ZGuestSample),
  storages: z.array(ZStorageSample),
});
export type MetricsSample = z.infer<typeof ZMetricsSample>;

export const ZMetricsSamplesQuery = z.object({
  /** Only samples taken after this Unix time (seconds); 0 or absent: all kept. */
  since: z.coerce.number().int().min(0).default(0),
});

export const ZMetricsSamples = z.object({
  /** Sampling period in seconds. */
  interval: z.number().int().min(1),
  samples: z.array(ZMetricsSample),
});
export type MetricsSamples = z.infer<typeof ZMetricsSamples>;
