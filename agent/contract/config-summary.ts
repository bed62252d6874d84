import type { GuestConfig } from './guests';

/**
 * A guest config in one line (memory, processors, disks), as the snapshot
 * details and the rollback's task log show what a snapshot puts back. Only a
 * type import: the console's browser code uses it too.
 */
export function configSummary(config: Pick<GuestConfig, 'memoryMiB' | 'sockets' | 'cores' | 'disks'>): string {
  const cpu = config.sockets > 1 ? `${config.sockets} sockets × ${config.cores} cores` : `${config.cores} core(s)`;
  const disks = config.disks.length ? `disks ${config.disks.map((d) => d.slot).join(', ')}` : 'no disks';
  return `${config.memoryMiB} MiB, ${cpu}, ${disks}`;
}
