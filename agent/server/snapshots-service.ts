import { z } from 'zod';
import { configSummary } from '../contract/config-summary';
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
import { assertVolumesExist, storageOf, toDriverConfig, type Storages } from './resolve';

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
  /** In the guest's config; false for a volume only recorded snapshots name (a disk a rollback detached). */
  attached: boolean;
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

  /** The snapshots an image holds (`qemu-img info -U`); none when the volume or its storage is gone. */
  private async imageSnapshots(volume: string): Promise<DiskState['snapshots']> {
    try {
      return await storageOf(this.d.storages, volume, 'volume').imageSnapshots(volume);
    } catch {
      return [];
    }
  }

  /**
   * What each disk's image holds now: QMP for a running guest, `qemu-img info
   * -U` for a stopped one. Volumes that recorded snapshots name but the config
   * does not (detached by a rollback to a snapshot taken before they were
   * added) are read from their images, so their snapshots are not reported missing.
   */
  private async onDisk(config: GuestConfig, running: boolean, tree: SnapshotTree): Promise<DiskState[]> {
    const caps = await this.d.driver.capabilities();
    if (!caps.snapshots)
      return config.disks.map((d) => ({ slot: d.slot, volume: d.volume, snapshots: [], attached: true }));
    const attached = new Set(config.disks.map((d) => d.volume));
    const detached = new Map<string, SnapshotDisk>();
    for (const d of tree.list.flatMap((snap) => snap.disks)) if (!attached.has(d.volume)) detached.set(d.volume, d);
    const fromImages = (disks: SnapshotDisk[], isAttached: boolean) =>
      Promise.all(
        disks.map(async (d) => ({
          slot: d.slot,
          volume: d.volume,
          snapshots: await this.imageSnapshots(d.volume),
          attached: isAttached,
        })),
      );
    const others = await fromImages([...detached.values()], false);
    if (running && this.d.live) {
      const live = new Map((await this.d.live.disks(config.vmid)).map((d) => [d.slot, d]));
      const inQemu = config.disks.map((d) => ({
        slot: d.slot,
        volume: d.volume,
        snapshots: live.get(d.slot)?.snapshots ?? [],
        attached: true,
      }));
      return [...inQemu, ...others];
    }
    return [...(await fromImages(config.disks, true)), ...others];
  }

  private reconcile(
    tree: SnapshotTree,
    disks: DiskState[],
  ): { snapshots: Snapshot[]; unrecorded: UnrecordedSnapshot[] } {
    const has = (disk: SnapshotDisk, name: string) =>
      disks.some((d) => d.volume === disk.volume && d.snapshots.some((s) => s.name === name));
    const snapshots = tree.list.map((s) => ({ ...s, missing: s.disks.filter((disk) => !has(disk, s.name)) }));
    const recorded = new Set(tree.list.map((s) => s.name));
    const unrecorded = disks
      .filter((d) => d.attached)
      .flatMap((d) =>
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
    const { snapshots, unrecorded } = this.reconcile(g.snapshots, await this.onDisk(g.config, running, g.snapshots));
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
    const onDisk = await this.onDisk(g.config, running, g.snapshots);
    const clash = onDisk.find((d) => d.attached && d.snapshots.some((s) => s.name === input.name));
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
        config: cur.config,
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
    await this.assertRestorable(g.config, snap);

    return this.task('qmrollback', vmid, user, async (ctx) => {
      if (!snap.config)
        ctx.warn(
          `${name} was taken before Horcrux kept the VM's configuration with a snapshot: its disks${snap.vmstate ? ' and RAM state' : ''} are rolled back, the configuration stays as it is`,
        );
      // As Proxmox: a rollback always starts from a stopped guest.
      if (await this.isRunning(vmid)) {
        await this.d.driver.stop(vmid);
        ctx.log(
          snap.vmstate
            ? `stopped the guest: RAM state loads only into a machine started with ${name}'s hardware`
            : `stopped the guest: ${name} holds no RAM state, so the guest cannot continue where it was`,
        );
      }
      // Disks (and RAM) first, the config after: a failure leaves the stored config as it was.
      if (snap.vmstate) await this.loadWithMemory(vmid, snap, ctx);
      else await this.applyStopped(name, snap.disks, ctx);
      await this.restoreConfig(vmid, snap, ctx);
      if (snap.vmstate) {
        if ((await this.d.driver.status(vmid)).state === 'paused') await this.d.driver.resume(vmid);
        ctx.log('guest is running');
      } else if (input.start) {
        const s = await this.d.driver.start(await this.startConfig(vmid, ctx));
        ctx.log(`started, pid ${s.pid ?? '?'}`);
      }
    });
  }

  /**
   * Refuses, before any task, a rollback that cannot succeed: a disk's volume
   * deleted since, a snapshot missing from an image, RAM state on a node
   * that cannot load it or (in records without a config) into disks that are
   * not attached as they were.
   */
  private async assertRestorable(current: GuestConfig, snap: Snapshot): Promise<void> {
    const { name } = snap;
    const gone: SnapshotDisk[] = [];
    for (const d of snap.disks) if (!(await this.volumeExists(d.volume))) gone.push(d);
    if (gone.length > 0) {
      throw new AgentError(
        'CONFLICT',
        `snapshot ${name} cannot be rolled back to: the volume of ${gone.map((d) => `${d.slot} (${d.volume})`).join(', ')} no longer exists (delete the snapshot to clean up its record)`,
      );
    }
    if (snap.missing.length > 0) {
      throw new AgentError(
        'CONFLICT',
        `snapshot ${name} is missing on ${snap.missing.map((m) => `${m.slot} (${m.volume})`).join(', ')}; it cannot be rolled back to (delete it to clean up the record)`,
      );
    }
    if (!snap.vmstate) return;
    if (!this.d.live) throw new AgentError('CONFLICT', 'this node cannot load RAM state');
    if (snap.config) {
      // The guest starts with the snapshot's config to load the RAM state: its CD-ROM and kernel must exist.
      await assertVolumesExist({ cdrom: snap.config.cdrom, kernel: snap.config.kernel }, this.d.storages).catch(
        (e: unknown) => {
          throw new AgentError('CONFLICT', `snapshot ${name} cannot be rolled back to: ${message(e)}`);
        },
      );
      return;
    }
    const unattached = snap.disks.filter((d) => !current.disks.some((c) => c.slot === d.slot && c.volume === d.volume));
    if (unattached.length > 0) {
      throw new AgentError(
        'CONFLICT',
        `snapshot ${name} has no recorded configuration and ${unattached.map((d) => `${d.slot} (${d.volume})`).join(', ')} is not attached as it was; its RAM state cannot be loaded`,
      );
    }
  }

  private async volumeExists(volume: string): Promise<boolean> {
    try {
      await storageOf(this.d.storages, volume, 'volume').assertExists(volume, 'volume', 'images');
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Starts the stopped guest paused with the snapshot's config (the current
   * one for records without a config) and loads the snapshot into it; stops
   * it again when the load fails.
   */
  private async loadWithMemory(vmid: number, snap: Snapshot, ctx: TaskContext): Promise<void> {
    const live = this.live();
    const config = snap.config ? toDriverConfig(snap.config, this.d.storages) : await this.startConfig(vmid, ctx);
    await this.d.driver.start(config, { paused: true });
    ctx.log(`started the guest paused${snap.config ? ` with ${snap.name}'s configuration` : ''} to load the RAM state`);
    const slots = snap.disks.map((d) => d.slot);
    try {
      await live.load(vmid, snap.name, slots, snap.vmstateSlot ?? slots[0]!);
    } catch (e) {
      await this.d.driver.stop(vmid).catch(() => undefined);
      ctx.log('the guest is left stopped; its stored configuration was not replaced');
      throw e;
    }
    ctx.log(`loaded ${snap.name} with its RAM state (snapshot-load)`);
  }

  /**
   * Makes the snapshot's config the stored one (pending changes dropped, as
   * Proxmox does) and the snapshot the current position, in one write. A
   * disk added after the snapshot is detached, its volume kept: Horcrux has
   * no unused-disk entries (Proxmox's `unusedN`).
   */
  private async restoreConfig(vmid: number, snap: Snapshot, ctx: TaskContext): Promise<void> {
    const cur = await this.stored(vmid);
    const tree = { ...cur.snapshots, parent: snap.name };
    if (!snap.config) {
      await this.d.store.put(vmid, { config: cur.config, pending: cur.pending, snapshots: tree });
      ctx.log(`current position: ${snap.name}`);
      return;
    }
    const config = snap.config;
    for (const d of cur.config.disks.filter((c) => !config.disks.some((s) => s.volume === c.volume))) {
      const users = cur.snapshots.list.filter((s) => s.disks.some((sd) => sd.volume === d.volume)).map((s) => s.name);
      ctx.log(
        `${d.slot} (${d.volume}) was added after ${snap.name}: detached from the guest; its volume ${d.volume} is kept on storage ${d.volume.split(':')[0]} ` +
          (users.length
            ? `(snapshots ${users.join(', ')} still use it)`
            : '(no snapshot uses it: delete it there to free the space)'),
      );
    }
    if (cur.pending) ctx.log(`dropped pending changes: ${Object.keys(cur.pending).join(', ')}`);
    await this.d.store.put(vmid, { config, pending: null, snapshots: tree });
    ctx.log(`configuration of ${snap.name} restored: ${configSummary(config)}`);
    ctx.log(`current position: ${snap.name}`);
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
      }
      // A running QEMU deletes from the disks it has open; qemu-img from the others (also detached volumes).
      const slotOf = new Map((await this.stored(vmid)).config.disks.map((d) => [d.volume, d.slot]));
      const inQemu = (await this.isRunning(vmid)) ? holding.filter((d) => slotOf.has(d.volume)) : [];
      if (inQemu.length > 0) {
        const slots = inQemu.map((d) => slotOf.get(d.volume)!);
        await this.live().delete(vmid, name, slots);
        ctx.log(`deleted ${name} from ${slots.join(', ')} (snapshot-delete)`);
      }
      for (const d of holding.filter((h) => !inQemu.includes(h))) {
        await storageOf(this.d.storages, d.volume, 'volume').snapshotImage('delete', d.volume, name);
        ctx.log(`${d.slot} (${d.volume}): deleted ${name}`);
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
