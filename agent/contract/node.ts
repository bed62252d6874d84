import { z } from 'zod';

/** What the driver (and the host under it) can do; mirrors DriverCapabilities in agent/drivers/types.ts. */
export const ZCapabilities = z.object({
  kind: z.enum(['qemu', 'lxc']),
  snapshots: z.boolean(),
  snapshotsWithMemory: z.boolean(),
  liveMigration: z.boolean(),
  sharedStorage: z.boolean(),
  thinProvisioning: z.boolean(),
  pause: z.boolean(),
  reset: z.boolean(),
  consoles: z.array(z.enum(['vnc', 'serial'])),
  hardwareAcceleration: z.boolean(),
});

/**
 * `GET /node/status`: host facts and load, read at the time of the call. The
 * console stores the facts and uses the call as its heartbeat.
 */
export const ZNodeStatus = z.object({
  name: z.string(),
  agentVersion: z.string(),
  /** Which guest driver the agent runs: `qemu` on real hosts, `sim` for scale tests. */
  driver: z.enum(['qemu', 'sim']),
  cpu: z.object({
    model: z.string(),
    count: z.number().int(),
    loadAverage: z.tuple([z.number(), z.number(), z.number()]),
  }),
  memory: z.object({ totalBytes: z.number(), freeBytes: z.number() }),
  uptimeSeconds: z.number(),
  /** `uname -r`. */
  kernel: z.string(),
  /** From `qemu-system-x86_64 --version`, e.g. `7.2.19`; null when QEMU is not installed. */
  qemuVersion: z.string().nullable(),
  /** Whether guests get hardware acceleration (KVM passed a real probe) or run under TCG. */
  kvm: z.object({ usable: z.boolean(), accel: z.enum(['kvm', 'tcg']) }),
  capabilities: ZCapabilities,
});
export type NodeStatus = z.infer<typeof ZNodeStatus>;
