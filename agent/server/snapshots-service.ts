import { z } from 'zod';
import type { GuestConfig } from '../contract/guests';
import {
  ZCreateSnapshotInput,
  ZRollbackSnapshotInput,
  ZUpdateSnapshotInput,
  type Snapshot,
  type SnapshotDisk,
  type SnapshotList,
  type SnapshotRecord,
  type SnapshotTree,
  type UnrecordedSnapshot,
} from '../contract/snapshots';
import type { TaskType } from '../contract/tasks';
import type { QemuLiveSnapshots } from '../drivers/qemu/snapshots';
import type { DiskSlot, GuestDriver } from '../drivers/types';
import type { TaskContext, TaskRunner } from '../tasks/runner';
import { AgentError } from './errors';
import { applyPending, type GuestStore } from './guest-store';
import { lockOf } from './guests-service';
import { storageOf, toDriverConfig, type Storages } from './resolve';

type Deps = {
  driver: GuestDriver;
  /** Snapshots of running guests; null when the driver has none (sim). */
  live: QemuLiveSnapshots | null;
  store: GuestStore;
  storages: Storages;
  tasks: TaskRunner;
};

type DiskState = {
  slot: DiskSlot;
  volume: string;
  snapshots: { name: string; dateSec: number; vmStateSize: number }[];
};

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The tree after deleting `name`: its children hang from its parent, and so does "NOW" if it stood there. */
export function unlinkSnapshot(tree: SnapshotTree, name: string): SnapshotTree {
  const gone = tree.list.find((s) => s.name === name);
  if (!gone) return tree;
  return {
    parent: tree.parent === name ? gone.parent : tree.parent,
    list: tree.list.filter((s) => s.name !== name).map((s) => (s.parent === name ? { ...s, parent: gone.parent } : s)),
  };
}

/**
 * Snapshots of a guest's disks, and the tree that qcow2 does not keep. The
 * agent's guest record holds each snapshot's parent and the guest's current
 * position (Proxmox's `parent:`); every answer is reconciled with what the
 * images really hold. Operations are tasks holding the guest's lock: stopped
 * guests use `qemu-img snapshot`, running ones QMP jobs.
 */
export class SnapshotsService {
  private readonly d: Deps;

  constructor(deps: Deps) {
    this.d = deps;
  }

  private async stored(vmid: number) {
    const g = await this.d.store.get(vmid);
    if (!g) throw new AgentError('NOT_FOUND', `guest ${vmid} does not exist on this node`, { field: 'vmid' });
    return g;
  }

  private assertUnlocked(vmid: number): void {
    const holder = this.d.tasks.holder(lockOf(vmid));
    if (holder)
      throw new AgentError('VM_LOCKED', `guest ${vmid} is locked by task ${holder}; wait for it to finish`, {
        upid: holder,
      });
  }

  private async isRunning(vmid: number): Promise<boolean> {
    return (await this.d.driver.status(vmid)).state !== 'stopped';
  }

  /** Why the guest's disks cannot be snapshotted, or null when they can. */
  private async refusal(config: GuestConfig): Promise<string | null> {
    const caps = await this.d.driver.capabilities();
    if (!caps.snapshots)
      return `this node's ${this.d.driver.kind} driver cannot take snapshots (simulated guests have no disk images)`;
    if (config.disks.length === 0) return `guest ${config.vmid} has no disks to snapshot`;
    for (const disk of config.disks) {
      const support = storageOf(this.d.storages, disk.volume, 'volume').snapshotSupport(disk.volume);
      if (!support.ok) return `disk ${disk.slot}: ${support.reason}`;
    }
    return null;
  }

  /** What each disk's image holds now: QMP for a running guest, `qemu-img info -U` for a stopped one. */
  private async onDisk(config: GuestConfig, running: boolean): Promise<DiskState[]> {
    const caps = await this.d.driver.capabilities();
    if (!caps.snapshots) return config.disks.map((d) => ({ slot: d.slot, volume: d.volume, snapshots: [] }));
    if (running && this.d.live) {
      const live = new Map((await this.d.live.disks(config.vmid)).map((d) => [d.slot, d]));
      return config.disks.map((d) => ({
        slot: d.slot,
        volume: d.volume,
        snapshots: live.get(d.slot)?.snapshots ?? [],
      }));
    }
    return Promise.all(
      config.disks.map(async (d) => ({
        slot: d.slot,
        volume: d.volume,
        snapshots: await storageOf(this.d.storages, d.volume, 'volume')
          .imageSnapshots(d.volume)
          .catch(() => []),
      })),
    );
  }

  private reconcile(
    tree: SnapshotTree,
    disks: DiskState[],
  ): { snapshots: Snapshot[]; unrecorded: UnrecordedSnapshot[] } {
    const has = (disk: SnapshotDisk, name: string) =>
      disks.some((d) => d.volume === disk.volume && d.snapshots.some((s) => s.name === name));
    const snapshots = tree.list.map((s) => ({ ...s, missing: s.disks.filter((disk) => !has(disk, s.name)) }));
    const recorded = new Set(tree.list.map((s) => s.name));
    const unrecorded = disks.flatMap((d) =>
      d.snapshots
        .filter((s) => !recorded.has(s.name))
        .map((s) => ({
          name: s.name,
          slot: d.slot,
          volume: d.volume,
          snaptime: s.dateSec,
          vmstateBytes: s.vmStateSize,
        })),
    );
    return { snapshots, unrecorded };
  }

  async list(vmid: number): Promise<SnapshotList> {
    const g = await this.stored(vmid);
    const running = await this.isRunning(vmid);
    const reason = await this.refusal(g.config);
    const caps = await this.d.driver.capabilities();
    const { snapshots, unrecorded } = this.reconcile(g.snapshots, await this.onDisk(g.config, running));
    return {
      vmid,
      running,
      parent: g.snapshots.parent,
      snapshots,
      unrecorded,
      capability: {
        snapshot: reason === null,
        withMemory: reason === null && running && caps.snapshotsWithMemory && this.d.live !== null,
        reason,
      },
    };
  }

  private task(type: TaskType, vmid: number, user: string, run: (ctx: TaskContext) => Promise<void>): Promise<string> {
    return this.d.tasks.startRecorded({ type, id: String(vmid), user, locks: [lockOf(vmid)], run });
  }

  private live(): QemuLiveSnapshots {
    if (!this.d.live) throw new AgentError('CONFLICT', 'this node cannot snapshot running guests');
    return this.d.live;
  }

  private async writeTree(vmid: number, change: (tree: SnapshotTree) => SnapshotTree): Promise<void> {
    const g = await this.stored(vmid);
    await this.d.store.put(vmid, { config: g.config, pending: g.pending, snapshots: change(g.snapshots) });
  }

  async create(vmid: number, raw: z.input<typeof ZCreateSnapshotInput>, user: string): Promise<string> {
    const input = ZCreateSnapshotInput.parse(raw);
    this.assertUnlocked(vmid);
    const g = await this.stored(vmid);
    const reason = await this.refusal(g.config);
    if (reason) throw new AgentError('CONFLICT', `cannot snapshot guest ${vmid}: ${reason}`);
    const running = await this.isRunning(vmid);
    if (g.snapshots.list.some((s) => s.name === input.name))
      throw new AgentError('CONFLICT', `name: guest ${vmid} has a snapshot named ${input.name} already`, {
        field: 'name',
      });
    const onDisk = await this.onDisk(g.config, running);
    const clash = onDisk.find((d) => d.snapshots.some((s) => s.name === input.name));
    if (clash)
      throw new AgentError(
        'CONFLICT',
        `name: disk ${clash.slot} (${clash.volume}) holds an unrecorded snapshot named ${input.name}; choose another name or delete that one`,
        { field: 'name' },
      );
    return this.task('qmsnapshot', vmid, user, async (ctx) => {
      const cur = await this.stored(vmid);
      const disks = cur.config.disks.map((d) => ({ slot: d.slot, volume: d.volume }));
      const slots = disks.map((d) => d.slot);
      const nowRunning = await this.isRunning(vmid);
      // As Proxmox: RAM state is saved only from a running guest; for a stopped one the request is moot.
      const vmstate = input.vmstate && nowRunning;
      if (input.vmstate && !nowRunning) ctx.log('the guest is stopped: no RAM state to save, disks only');
      if (!nowRunning) {
        const created: SnapshotDisk[] = [];
        try {
          for (const disk of disks) {
            await storageOf(this.d.storages, disk.volume, 'volume').snapshotImage('create', disk.volume, input.name);
            created.push(disk);
            ctx.log(`${disk.slot} (${disk.volume}): snapshot ${input.name} created`);
          }
        } catch (e) {
          for (const disk of created.reverse()) {
            await storageOf(this.d.storages, disk.volume, 'volume')
              .snapshotImage('delete', disk.volume, input.name)
              .then(() => ctx.log(`${disk.slot}: removed the partial snapshot again`))
              .catch((err: unknown) =>
                ctx.warn(`${disk.slot}: could not remove the partial snapshot: ${message(err)}`),
              );
          }
          throw e;
        }
      } else if (vmstate) {
        const live = this.live();
        ctx.log(`saving RAM state and ${slots.join(', ')} (snapshot-save; RAM state kept in ${slots[0]})`);
        try {
          await live.saveWithMemory(vmid, input.name, slots, slots[0]!);
        } catch (e) {
          const left = (await live.disks(vmid).catch(() => []))
            .filter((d) => d.snapshots.some((s) => s.name === input.name))
            .map((d) => d.slot);
          await live
            .delete(vmid, input.name, left)
            .catch((err: unknown) => ctx.warn(`could not remove the partial snapshot: ${message(err)}`));
          throw e;
        }
      } else {
        ctx.log(`snapshot of ${slots.join(', ')} without RAM state (one QMP transaction)`);
        await this.live().saveDisks(vmid, input.name, slots);
      }
      const record: SnapshotRecord = {
        name: input.name,
        description: input.description,
        snaptime: Math.floor(Date.now() / 1000),
        vmstate,
        vmstateSlot: vmstate ? slots[0]! : null,
        parent: cur.snapshots.parent,
        disks,
      };
      await this.writeTree(vmid, (t) => ({ parent: record.name, list: [...t.list, record] }));
      ctx.log(`snapshot ${input.name} recorded (parent: ${record.parent ?? 'none'})`);
    });
  }

  private async recordOf(vmid: number, name: string) {
    const list = await this.list(vmid);
    const snap = list.snapshots.find((s) => s.name === name);
    if (!snap) throw new AgentError('NOT_FOUND', `guest ${vmid} has no snapshot named ${name}`, { field: 'name' });
    return { list, snap };
  }

  async rollback(
    vmid: number,
    name: string,
    raw: z.input<typeof ZRollbackSnapshotInput>,
    user: string,
  ): Promise<string> {
    const input = ZRollbackSnapshotInput.parse(raw);
    this.assertUnlocked(vmid);
    const g = await this.stored(vmid);
    const reason = await this.refusal(g.config);
    if (reason) throw new AgentError('CONFLICT', `cannot roll back guest ${vmid}: ${reason}`);
    const { snap } = await this.recordOf(vmid, name);
    if (snap.missing.length > 0) {
      throw new AgentError(
        'CONFLICT',
        `snapshot ${name} is missing on ${snap.missing.map((m) => `${m.slot} (${m.volume})`).join(', ')}; it cannot be rolled back to (delete it to clean up the record)`,
      );
    }
    if (snap.vmstate && !this.d.live) throw new AgentError('CONFLICT', 'this node cannot load RAM state');

    return this.task('qmrollback', vmid, user, async (ctx) => {
      const slots = snap.disks.map((d) => d.slot);
      let running = await this.isRunning(vmid);
      if (snap.vmstate) {
        const live = this.live();
        const vmstateSlot = snap.vmstateSlot ?? slots[0]!;
        let startedHere = false;
        if (!running) {
          await this.d.driver.start(await this.startConfig(vmid, ctx), { paused: true });
          startedHere = true;
          ctx.log('started the guest paused to load the RAM state');
        }
        try {
          await live.load(vmid, name, slots, vmstateSlot);
        } catch (e) {
          if (startedHere) await this.d.driver.stop(vmid).catch(() => undefined);
          throw e;
        }
        ctx.log(`loaded ${name} with its RAM state (snapshot-load)`);
        if ((await this.d.driver.status(vmid)).state === 'paused') await this.d.driver.resume(vmid);
        ctx.log('guest is running');
      } else {
        if (running) {
          await this.d.driver.stop(vmid);
          ctx.log(`stopped the guest: ${name} holds no RAM state, so the guest cannot continue where it was`);
          running = false;
        }
        await this.applyStopped(name, snap.disks, ctx);
        if (input.start) {
          const s = await this.d.driver.start(await this.startConfig(vmid, ctx));
          ctx.log(`started, pid ${s.pid ?? '?'}`);
        }
      }
      await this.writeTree(vmid, (t) => ({ ...t, parent: name }));
      ctx.log(`current position: ${name}`);
    });
  }

  /** The config to start with, pending changes applied and committed (as a normal start does). */
  private async startConfig(vmid: number, ctx: TaskContext) {
    const g = await this.stored(vmid);
    if (g.pending) {
      const config = applyPending(g.config, g.pending);
      await this.d.store.put(vmid, { config, pending: null });
      ctx.log(`applied pending changes: ${Object.keys(g.pending).join(', ')}`);
      return toDriverConfig(config, this.d.storages);
    }
    return toDriverConfig(g.config, this.d.storages);
  }

  /**
   * `qemu-img snapshot -a` on each disk. Each disk's present state is kept in
   * an undo snapshot first, so a failure on a later disk puts the earlier ones back.
   */
  private async applyStopped(name: string, disks: SnapshotDisk[], ctx: TaskContext): Promise<void> {
    const undo = `hx-undo-${Date.now().toString(36)}`;
    const img = (d: SnapshotDisk) => storageOf(this.d.storages, d.volume, 'volume');
    const saved: SnapshotDisk[] = [];
    const applied: SnapshotDisk[] = [];
    try {
      if (disks.length > 1) {
        for (const d of disks) {
          await img(d).snapshotImage('create', d.volume, undo);
          saved.push(d);
        }
      }
      for (const d of disks) {
        await img(d).snapshotImage('apply', d.volume, name);
        applied.push(d);
        ctx.log(`${d.slot} (${d.volume}): rolled back to ${name}`);
      }
    } catch (e) {
      for (const d of applied.filter((a) => saved.includes(a))) {
        await img(d)
          .snapshotImage('apply', d.volume, undo)
          .then(() => ctx.log(`${d.slot}: put back as it was`))
          .catch((err: unknown) => ctx.warn(`${d.slot}: could not be put back: ${message(err)}`));
      }
      throw e;
    } finally {
      for (const d of saved) {
        await img(d)
          .snapshotImage('delete', d.volume, undo)
          .catch((err: unknown) => ctx.warn(`${d.slot}: could not remove ${undo}: ${message(err)}`));
      }
    }
  }

  async delete(vmid: number, name: string, user: string): Promise<string> {
    this.assertUnlocked(vmid);
    const list = await this.list(vmid);
    const snap = list.snapshots.find((s) => s.name === name);
    const onlyOnDisk = list.unrecorded.filter((u) => u.name === name);
    if (!snap && onlyOnDisk.length === 0)
      throw new AgentError('NOT_FOUND', `guest ${vmid} has no snapshot named ${name}`, { field: 'name' });
    const holding: SnapshotDisk[] = snap
      ? snap.disks.filter((d) => !snap.missing.some((m) => m.volume === d.volume))
      : onlyOnDisk.map((u) => ({ slot: u.slot, volume: u.volume }));

    return this.task('qmdelsnapshot', vmid, user, async (ctx) => {
      if (holding.length === 0) {
        ctx.log(`${name} is on none of the guest's disks any more; removing its record only`);
      } else if (await this.isRunning(vmid)) {
        await this.live().delete(
          vmid,
          name,
          holding.map((d) => d.slot),
        );
        ctx.log(`deleted ${name} from ${holding.map((d) => d.slot).join(', ')} (snapshot-delete)`);
      } else {
        for (const d of holding) {
          await storageOf(this.d.storages, d.volume, 'volume').snapshotImage('delete', d.volume, name);
          ctx.log(`${d.slot} (${d.volume}): deleted ${name}`);
        }
      }
      if (snap) {
        await this.writeTree(vmid, (t) => unlinkSnapshot(t, name));
        const children = list.snapshots.filter((s) => s.parent === name).map((s) => s.name);
        if (children.length) ctx.log(`${children.join(', ')} now descend from ${snap.parent ?? 'no snapshot (roots)'}`);
      }
    });
  }

  async update(vmid: number, name: string, raw: z.input<typeof ZUpdateSnapshotInput>): Promise<Snapshot> {
    const { description } = ZUpdateSnapshotInput.parse(raw);
    this.assertUnlocked(vmid);
    const g = await this.stored(vmid);
    if (!g.snapshots.list.some((s) => s.name === name))
      throw new AgentError('NOT_FOUND', `guest ${vmid} has no snapshot named ${name}`, { field: 'name' });
    await this.writeTree(vmid, (t) => ({
      ...t,
      list: t.list.map((s) => (s.name === name ? { ...s, description } : s)),
    }));
    return (await this.recordOf(vmid, name)).snap;
  }
}
