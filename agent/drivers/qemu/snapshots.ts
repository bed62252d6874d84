import { z } from 'zod';
import { DriverError } from '../errors';
import type { DiskSlot } from '../types';
import type { QmpClient } from './qmp';

/** An internal snapshot of one disk of a running guest, as QEMU reports it. */
export type LiveDiskSnapshot = { name: string; dateSec: number; vmStateSize: number };

/** A guest disk as QEMU has it open: its format node and the snapshots its image holds. */
export type LiveDisk = { slot: DiskSlot; node: string; format: string; snapshots: LiveDiskSnapshot[] };

type WithQmp = <T>(vmid: number, fn: (qmp: QmpClient) => Promise<T>) => Promise<T>;

const ZQueryBlock = z.array(
  z.object({
    device: z.string(),
    inserted: z
      .object({
        'node-name': z.string(),
        image: z.object({
          format: z.string(),
          snapshots: z
            .array(z.object({ name: z.string(), 'date-sec': z.number(), 'vm-state-size': z.number() }))
            .optional(),
        }),
      })
      .optional(),
  }),
);

const ZQueryJobs = z.array(z.object({ id: z.string(), status: z.string(), error: z.string().optional() }));

/** The disks of a running guest from `query-block` (drives are `drive-<slot>`, see argv.ts). */
export function parseQueryBlock(value: unknown): LiveDisk[] {
  const out: LiveDisk[] = [];
  for (const b of ZQueryBlock.parse(value)) {
    const m = /^drive-((?:scsi|virtio|sata|ide)[0-9]+)$/.exec(b.device);
    if (!m || !b.inserted || m[1] === 'ide2') continue;
    out.push({
      slot: m[1] as DiskSlot,
      node: b.inserted['node-name'],
      format: b.inserted.image.format,
      snapshots: (b.inserted.image.snapshots ?? []).map((s) => ({
        name: s.name,
        dateSec: s['date-sec'],
        vmStateSize: s['vm-state-size'],
      })),
    });
  }
  return out;
}

function failed(vmid: number, what: string, reason: string): DriverError {
  return new DriverError('CONTROL_FAILED', `guest ${vmid}: ${what} failed: ${reason}`);
}

/**
 * Internal snapshots of a running guest over QMP: `snapshot-save`,
 * `snapshot-load` and `snapshot-delete` jobs (polled through `query-jobs`
 * until concluded, then dismissed), and `blockdev-snapshot-internal-sync` in
 * one transaction for disk-only snapshots. Each QMP exchange is a short
 * connection of its own, so status reads are not held up during a long save.
 */
export class QemuLiveSnapshots {
  private readonly withQmp: WithQmp;
  private readonly pollMs: number;
  private readonly jobTimeoutMs: number;

  constructor(withQmp: WithQmp, options: { pollMs?: number; jobTimeoutMs?: number } = {}) {
    this.withQmp = withQmp;
    this.pollMs = options.pollMs ?? 100;
    this.jobTimeoutMs = options.jobTimeoutMs ?? 3_600_000;
  }

  async disks(vmid: number): Promise<LiveDisk[]> {
    return parseQueryBlock(await this.withQmp(vmid, (q) => q.execute('query-block')));
  }

  private async nodes(vmid: number, slots: DiskSlot[]): Promise<Map<DiskSlot, LiveDisk>> {
    const disks = new Map((await this.disks(vmid)).map((d) => [d.slot, d]));
    for (const slot of slots) {
      if (!disks.has(slot)) throw failed(vmid, 'snapshot', `QEMU has no drive for disk ${slot}`);
    }
    return disks;
  }

  /** Runs a snapshot job to its end; throws with QEMU's own error. */
  private async job(vmid: number, command: string, args: Record<string, unknown>): Promise<void> {
    const id = `hx-${command}-${Date.now().toString(36)}`;
    await this.withQmp(vmid, (q) => q.execute(command, { 'job-id': id, ...args }));
    const deadline = Date.now() + this.jobTimeoutMs;
    for (;;) {
      const jobs = ZQueryJobs.parse(await this.withQmp(vmid, (q) => q.execute('query-jobs')));
      const job = jobs.find((j) => j.id === id);
      if (!job) throw failed(vmid, command, 'the job disappeared');
      if (job.status === 'concluded') {
        await this.withQmp(vmid, (q) => q.execute('job-dismiss', { id }));
        if (job.error) throw failed(vmid, command, job.error);
        return;
      }
      if (Date.now() > deadline) throw failed(vmid, command, `still ${job.status} after ${this.jobTimeoutMs} ms`);
      await new Promise((r) => setTimeout(r, this.pollMs));
    }
  }

  /** A snapshot with RAM state (held by `vmstateSlot`'s image) of the disks `slots`. */
  async saveWithMemory(vmid: number, tag: string, slots: DiskSlot[], vmstateSlot: DiskSlot): Promise<void> {
    const d = await this.nodes(vmid, [...slots, vmstateSlot]);
    await this.job(vmid, 'snapshot-save', {
      tag,
      vmstate: d.get(vmstateSlot)!.node,
      devices: slots.map((s) => d.get(s)!.node),
    });
  }

  /** A disk-only snapshot of the disks `slots`, all or none (one QMP transaction). */
  async saveDisks(vmid: number, tag: string, slots: DiskSlot[]): Promise<void> {
    const d = await this.nodes(vmid, slots);
    const actions = slots.map((s) => ({
      type: 'blockdev-snapshot-internal-sync',
      data: { device: d.get(s)!.node, name: tag },
    }));
    await this.withQmp(vmid, (q) => q.execute('transaction', { actions }, { timeoutMs: 600_000 })).catch(
      (e: unknown) => {
        throw failed(vmid, 'disk snapshot', e instanceof Error ? e.message : String(e));
      },
    );
  }

  /** Loads a snapshot with RAM state; QEMU resumes the guest only if it was running before. */
  async load(vmid: number, tag: string, slots: DiskSlot[], vmstateSlot: DiskSlot): Promise<void> {
    const d = await this.nodes(vmid, [...slots, vmstateSlot]);
    await this.job(vmid, 'snapshot-load', {
      tag,
      vmstate: d.get(vmstateSlot)!.node,
      devices: slots.map((s) => d.get(s)!.node),
    });
  }

  /** Deletes the snapshot from the disks `slots` (disks without it are skipped by QEMU). */
  async delete(vmid: number, tag: string, slots: DiskSlot[]): Promise<void> {
    if (slots.length === 0) return;
    const d = await this.nodes(vmid, slots);
    await this.job(vmid, 'snapshot-delete', { tag, devices: slots.map((s) => d.get(s)!.node) });
  }
}
