import type { MetricsSample } from '@/agent/contract/metrics';
import type { Db } from '@/server/db';
import { clientFor } from '@/server/services/nodes/nodes';
import { ingestSamples, lastIngested } from './ingest';

/**
 * The second of the minute from which a node's completed minute goes to the
 * roll-ups: spread over the minute by name, so that a hundred nodes do not all
 * write their roll-ups in the first pulls after each minute (the database's
 * busiest seconds, docs/benchmarks.md). A roll-up is then at most two minutes
 * behind, the hour graph (full resolution) not at all.
 */
export function rollupSecond(node: string): number {
  let h = 2166136261;
  for (let i = 0; i < node.length; i++) h = Math.imul(h ^ node.charCodeAt(i), 16777619);
  return (h >>> 0) % 60;
}

/**
 * Pulls nodes' new metrics samples and stores them. Full resolution is stored
 * at every pull (the hour graph is live); the roll-up tiers get a node's samples
 * once per completed minute, in one go, at its {@link rollupSecond} (a 1-minute slot is then written once,
 * not six times: about 2× less CPU, docs/benchmarks.md). A console that
 * dies loses at most the last two minutes of roll-ups: those periods average
 * fewer samples, or show a gap; never an invented value.
 */
export class MetricsCollector {
  /** Per node: the newest sample stored. */
  private readonly last = new Map<string, number>();
  /** Per node: samples of the minutes not yet in the roll-ups. */
  private readonly pending = new Map<string, MetricsSample[]>();
  /** Per node: the guests its last samples listed. */
  private readonly listed = new Map<string, Set<number>>();
  /** Guests a node stopped listing, until they are found elsewhere or deleted. */
  private readonly gone = new Set<number>();

  constructor(private readonly db: Db) {}

  /** Forgets what this process stored (another console may store more meanwhile). */
  reset(): void {
    this.last.clear();
    this.pending.clear();
    this.listed.clear();
    this.gone.clear();
  }

  /** Pulls one node's samples since the last stored one; returns how many were stored. */
  async collect(node: string): Promise<number> {
    let since = this.last.get(node);
    if (since === undefined) {
      since = await lastIngested(this.db, node);
      this.last.set(node, since);
    }
    const client = await clientFor(this.db, node);
    const { samples } = await client.metricsSamples(since);
    return this.store(node, samples);
  }

  /** Stores samples a node reported (pull or bench), skipping any already stored. */
  async store(node: string, samples: readonly MetricsSample[]): Promise<number> {
    const since = this.last.get(node) ?? 0;
    const fresh = samples.filter((s) => s.t > since);
    if (fresh.length === 0) return 0;
    const newest = fresh[fresh.length - 1]!.t;
    // Minutes before `due` are complete and go to the roll-ups now; the last
    // complete minute waits until this node's second of the minute.
    const minute = Math.floor(newest / 60);
    const due = newest % 60 >= rollupSecond(node) ? minute : minute - 1;
    const pending = [...(this.pending.get(node) ?? []), ...fresh];
    const complete = pending.filter((s) => Math.floor(s.t / 60) < due);
    this.pending.set(
      node,
      pending.filter((s) => Math.floor(s.t / 60) >= due),
    );
    await ingestSamples(this.db, node, fresh, complete);
    this.last.set(node, newest);
    await this.forgetDeleted(node, fresh[fresh.length - 1]!);
    return fresh.length;
  }

  /**
   * A guest its node stopped listing and that no longer exists anywhere was
   * deleted: its rings go too. Candidates wait until the node monitor has
   * removed the guest's row (it may run after this pull); a guest that moved
   * to another node keeps its history.
   */
  private async forgetDeleted(node: string, newest: MetricsSample): Promise<void> {
    const now = new Set(newest.guests.map((g) => g.vmid));
    for (const vmid of this.listed.get(node) ?? []) if (!now.has(vmid)) this.gone.add(vmid);
    for (const vmid of now) this.gone.delete(vmid);
    this.listed.set(node, now);
    if (this.gone.size === 0) return;
    const candidates = [...this.gone];
    const alive = new Set(
      (await this.db.guest.findMany({ where: { vmid: { in: candidates } }, select: { vmid: true } })).map(
        (g) => g.vmid,
      ),
    );
    const deleted = candidates.filter((vmid) => !alive.has(vmid));
    if (deleted.length === 0) return;
    // vmids are integers (zod-checked samples): safe to inline.
    await this.db.$executeRawUnsafe(`DELETE FROM "GuestMetric" WHERE vmid IN (${deleted.map(Number).join(', ')})`);
    for (const vmid of deleted) this.gone.delete(vmid);
  }
}
