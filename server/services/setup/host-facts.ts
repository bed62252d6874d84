import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import os from 'node:os';
import { z } from 'zod';
import { kvmUsable } from '@/agent/drivers/qemu/kvm';

export const ZHostFacts = z.object({
  hostname: z.string(),
  cpuModel: z.string(),
  cpus: z.number(),
  memoryBytes: z.number(),
  kernel: z.string(),
  /** /dev/kvm can be opened for reading and writing. */
  kvmDevice: z.boolean(),
  /** A short KVM probe succeeded: guests get hardware acceleration. */
  kvmUsable: z.boolean(),
});
export type HostFacts = z.infer<typeof ZHostFacts>;

/**
 * Facts about the host the console runs on, shown by the first-run wizard (the
 * first run is on the host that becomes the first node). KVM is judged by the
 * agent's short probe: /dev/kvm existing does not mean guests run well on it.
 */
export async function hostFacts(): Promise<HostFacts> {
  const kvmDevice = await access('/dev/kvm', constants.R_OK | constants.W_OK).then(
    () => true,
    () => false,
  );
  return {
    hostname: os.hostname(),
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    cpus: os.availableParallelism(),
    memoryBytes: os.totalmem(),
    kernel: `${os.type()} ${os.release()}`,
    kvmDevice,
    kvmUsable: kvmDevice ? (await kvmUsable()).usable : false,
  };
}
