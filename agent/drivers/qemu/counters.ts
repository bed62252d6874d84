import { readdir } from 'node:fs/promises';
import { readOptional } from '../../metrics/procfs';

export type BlockTotals = { readBytes: number; writeBytes: number; readOps: number; writeOps: number };

/** Sums QMP `query-blockstats` over the guest's drives (the CD-ROM included: its reads are guest I/O too). */
export function sumBlockstats(answer: unknown): BlockTotals {
  const total: BlockTotals = { readBytes: 0, writeBytes: 0, readOps: 0, writeOps: 0 };
  if (!Array.isArray(answer)) return total;
  for (const dev of answer as { stats?: Record<string, unknown> }[]) {
    const s = dev?.stats;
    if (!s) continue;
    const n = (k: string): number => (typeof s[k] === 'number' ? s[k] : 0);
    total.readBytes += n('rd_bytes');
    total.writeBytes += n('wr_bytes');
    total.readOps += n('rd_operations');
    total.writeOps += n('wr_operations');
  }
  return total;
}

/**
 * Bytes through the guest's tap devices (`tap<vmid>i<n>`, Proxmox's naming), as
 * the guest sees them: what the host side transmits, the guest receives. Null
 * when the guest has no tap device (user-mode NICs keep no byte counters).
 */
export async function readGuestTaps(
  vmid: number,
  sysNet = '/sys/class/net',
): Promise<{ inBytes: number; outBytes: number } | null> {
  const names = await readdir(sysNet).catch(() => [] as string[]);
  const taps = names.filter((n) => new RegExp(`^tap${vmid}i\\d+$`).test(n));
  if (taps.length === 0) return null;
  let inBytes = 0;
  let outBytes = 0;
  for (const tap of taps) {
    const [tx, rx] = await Promise.all([
      readOptional(`${sysNet}/${tap}/statistics/tx_bytes`),
      readOptional(`${sysNet}/${tap}/statistics/rx_bytes`),
    ]);
    inBytes += Number(tx ?? 0);
    outBytes += Number(rx ?? 0);
  }
  return { inBytes, outBytes };
}
