import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import os from 'node:os';
import { z } from 'zod';

export const ZHostFacts = z.object({
  hostname: z.string(),
  cpuModel: z.string(),
  cpus: z.number(),
  memoryBytes: z.number(),
  kernel: z.string(),
  /** /dev/kvm can be opened for reading and writing. */
  kvmDevice: z.boolean(),
  /** A short KVM probe succeeded (null: not probed on this host). */
  kvmUsable: z.boolean().nullable(),
});
export type HostFacts = z.infer<typeof ZHostFacts>;

/** Facts about the host the console runs on, shown by the first-run wizard. */
export async function hostFacts(probeKvm?: () => Promise<boolean>): Promise<HostFacts> {
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
    kvmUsable: kvmDevice && probeKvm ? await probeKvm() : kvmDevice ? null : false,
  };
}
