import os from 'node:os';
import { z } from 'zod';
import { imageFormat, parseVolumeId } from '../contract/common';
import {
  ZAddDiskInput,
  ZCreateGuestInput,
  ZNewDisk,
  ZRebootInput,
  ZShutdownInput,
  ZUpdateGuestInput,
  type AddDiskInput,
  type Guest,
  type GuestConfig,
  type GuestDisk,
  type ResizeInput,
  type SimpleAction,
} from '../contract/guests';
import type { TaskType } from '../contract/tasks';
import type { DiskSlot, GuestDriver, GuestStatus } from '../drivers/types';
import type { TaskContext, TaskRunner } from '../tasks/runner';
import { AgentError } from './errors';
import { applyPending, mergePending, type GuestStore, type StoredGuest } from './guest-store';
import {
  assertBootOrder,
  assertSlots,
  assertVolumesExist,
  randomMac,
  storageById,
  storageOf,
  toDriverConfig,
  type Storages,
} from './resolve';

const MiB = 1024 * 1024;
const MAX_DISKS = 32;

type Deps = { driver: GuestDriver; store: GuestStore; storages: Storages; tasks: TaskRunner };

/** Refuses a slot that holds a disk already, or ide2 while it holds the CD-ROM (assertSlots' rules). */
function assertFreeSlot(config: GuestConfig, slot: DiskSlot): void {
  const holder = config.disks.find((d) => d.slot === slot);
  if (holder)
    throw new AgentError('INVALID_INPUT', `slot: ${slot} holds ${holder.volume} already; choose a free slot`, {
      field: 'slot',
    });
  const slots = [...config.disks.map((d) => d.slot), slot];
  assertSlots(slots, config.cdrom !== null, (i) => (i === slots.length - 1 ? 'slot' : `disks.${i}.slot`));
  if (config.disks.length >= MAX_DISKS)
    throw new AgentError('INVALID_INPUT', `slot: guest has ${MAX_DISKS} disks, the most it can have`, {
      field: 'slot',
    });
}

/** A volume of the guest attached again; its format is its file's. */
function existingDisk(slot: DiskSlot, volume: string): GuestDisk {
  return { slot, volume, format: imageFormat(volume) };
}

/** The task lock every operation on a guest holds. */
export const lockOf = (vmid: number) => `guest:${vmid}`;

/**
 * The guest operations behind the HTTP routes. Input is checked here, before
 * a task starts, so a refusal names the field at once; the work itself runs
 * as a task holding the guest's lock.
 */
export class GuestsService {
  private readonly d: Deps;

  constructor(deps: Deps) {
    this.d = deps;
  }

  private async stored(vmid: number): Promise<StoredGuest> {
    const g = await this.d.store.get(vmid);
    if (!g) throw new AgentError('NOT_FOUND', `guest ${vmid} does not exist on this node`, { field: 'vmid' });
    return g;
  }

  private runtime(s: GuestStatus): Guest['runtime'] {
    return { state: s.state, qmpStatus: s.qmpStatus, pid: s.pid, uptimeSeconds: s.uptimeSeconds, reason: s.reason };
  }

  private view(vmid: number, g: StoredGuest, s: GuestStatus): Guest {
    return {
      vmid,
      name: g.config.name,
      config: g.config,
      pending: g.pending,
      runtime: this.runtime(s),
      lock: this.d.tasks.holder(lockOf(vmid)),
    };
  }

  async get(vmid: number): Promise<Guest> {
    const g = await this.stored(vmid);
    return this.view(vmid, g, await this.d.driver.status(vmid));
  }

  async list(): Promise<Guest[]> {
    const vmids = await this.d.store.vmids();
    const out = await Promise.all(
      vmids.map(async (vmid) => {
        const g = await this.d.store.get(vmid).catch(() => null);
        return g ? this.view(vmid, g, await this.d.driver.status(vmid)) : null;
      }),
    );
    return out.filter((g): g is Guest => g !== null);
  }

  private task(type: TaskType, vmid: number, user: string, run: (ctx: TaskContext) => Promise<void>): Promise<string> {
    return this.d.tasks.startRecorded({ type, id: String(vmid), user, locks: [lockOf(vmid)], run });
  }

  private assertUnlocked(vmid: number): void {
    const holder = this.d.tasks.holder(lockOf(vmid));
    if (holder)
      throw new AgentError('VM_LOCKED', `guest ${vmid} is locked by task ${holder}; wait for it to finish`, {
        upid: holder,
      });
  }

  private assertMemoryFits(memoryMiB: number | undefined): void {
    if (memoryMiB === undefined) return;
    const total = Math.floor(os.totalmem() / MiB);
    if (memoryMiB > total) {
      throw new AgentError('INVALID_INPUT', `memoryMiB: ${memoryMiB} MiB is more than this node has (${total} MiB)`, {
        field: 'memoryMiB',
      });
    }
  }

  async create(raw: z.input<typeof ZCreateGuestInput>, user: string): Promise<string> {
    const input = ZCreateGuestInput.parse(raw);
    const { vmid } = input;
    this.assertUnlocked(vmid);
    if (await this.d.store.get(vmid)) {
      throw new AgentError('CONFLICT', `vmid: guest ${vmid} exists already on this node`, { field: 'vmid' });
    }
    if ((await this.d.driver.status(vmid)).state !== 'stopped') {
      throw new AgentError('CONFLICT', `vmid: a guest process with id ${vmid} is running on this node`, {
        field: 'vmid',
      });
    }
    this.assertMemoryFits(input.memoryMiB);
    assertSlots(
      input.disks.map((d) => d.slot),
      input.cdrom !== null,
    );
    await this.assertSpace(input.disks, (i, key) => `disks.${i}.${key}`);
    await assertVolumesExist({ cdrom: input.cdrom, kernel: input.kernel }, this.d.storages);
    const nics = input.nics.map((n) => ({ model: n.model, mac: (n.mac ?? randomMac()).toLowerCase() }));
    const boot = input.boot ?? [
      ...input.disks.slice(0, 1).map((d) => d.slot),
      ...(input.cdrom ? (['ide2'] as const) : []),
      ...(nics.length ? (['net0'] as const) : []),
    ];
    const base: Omit<GuestConfig, 'disks'> = {
      vmid,
      name: input.name,
      cores: input.cores,
      sockets: input.sockets,
      memoryMiB: input.memoryMiB,
      machine: input.machine,
      bios: input.bios,
      cdrom: input.cdrom,
      boot,
      nics,
      serial: input.serial,
      vga: input.vga,
      ...(input.kernel ? { kernel: input.kernel } : {}),
      ...(input.description !== undefined ? { description: input.description } : {}),
      ...(input.tags !== undefined ? { tags: input.tags } : {}),
      ...(input.ostype !== undefined ? { ostype: input.ostype } : {}),
    };
    // Check the boot order against the slots the disks will have.
    assertBootOrder({
      ...base,
      disks: input.disks.map((d) => ({ slot: d.slot, volume: `${d.storage}:${vmid}/x.raw`, format: d.format })),
    });

    return this.task('qmcreate', vmid, user, async (ctx) => {
      const created: string[] = [];
      try {
        const disks: GuestConfig['disks'] = [];
        for (const [i, d] of input.disks.entries()) {
          const volume = await storageById(this.d.storages, d.storage, `disks.${i}.storage`).createImage(
            vmid,
            d.format,
            d.sizeMiB,
            `disks.${i}`,
          );
          created.push(volume);
          ctx.log(`created ${d.slot}: ${volume} (${d.sizeMiB} MiB, ${d.format})`);
          disks.push({ slot: d.slot, volume, format: d.format });
        }
        const config: GuestConfig = { ...base, disks };
        toDriverConfig(config, this.d.storages);
        await this.d.store.put(vmid, { config, pending: null });
        ctx.log(`guest ${vmid} (${config.name}) created`);
      } catch (e) {
        await this.removeVolumes(created.reverse(), ctx);
        throw e;
      }
    });
  }

  /**
   * Each storage has room for the full virtual size of the disks it gets;
   * `field` names the input field of a disk's storage or size in a refusal.
   */
  private async assertSpace(
    disks: readonly { storage: string; sizeMiB: number }[],
    field: (i: number, key: 'storage' | 'sizeMiB') => string,
  ): Promise<void> {
    const need = new Map<string, number>();
    disks.forEach((d, i) => {
      storageById(this.d.storages, d.storage, field(i, 'storage'));
      need.set(d.storage, (need.get(d.storage) ?? 0) + d.sizeMiB);
    });
    for (const [id, sizeMiB] of need) {
      const i = disks.findIndex((d) => d.storage === id);
      const { availBytes } = await storageById(this.d.storages, id, field(i, 'storage')).status();
      if (sizeMiB * MiB > availBytes) {
        const f = field(i, 'sizeMiB');
        throw new AgentError(
          'INVALID_INPUT',
          `${f}: ${sizeMiB} MiB does not fit in storage ${id} (${Math.floor(availBytes / MiB)} MiB free); choose a smaller size or another storage`,
          { field: f },
        );
      }
    }
  }

  /** The undo step of operations that created volumes: removes them, warning about each one that stays. */
  private async removeVolumes(volumes: readonly string[], ctx: TaskContext): Promise<void> {
    for (const volume of volumes) {
      await storageOf(this.d.storages, volume, 'volume')
        .deleteVolume(volume)
        .then(() => ctx.log(`removed ${volume}`))
        .catch((err: unknown) =>
          ctx.warn(`could not remove ${volume}: ${err instanceof Error ? err.message : String(err)}`),
        );
    }
  }

  async update(vmid: number, raw: z.input<typeof ZUpdateGuestInput>, user: string): Promise<string> {
    const changes = ZUpdateGuestInput.parse(raw);
    this.assertUnlocked(vmid);
    const g = await this.stored(vmid);
    this.assertMemoryFits(changes.memoryMiB);
    await assertVolumesExist({ cdrom: changes.cdrom ?? null, kernel: changes.kernel ?? undefined }, this.d.storages);
    const target = applyPending(applyPending(g.config, g.pending), changes);
    assertSlots(
      target.disks.map((d) => d.slot),
      target.cdrom !== null,
    );
    assertBootOrder(target);
    return this.task('qmconfig', vmid, user, async (ctx) => {
      const current = await this.stored(vmid);
      const state = (await this.d.driver.status(vmid)).state;
      if (state === 'stopped') {
        const config = applyPending(applyPending(current.config, current.pending), changes);
        await this.d.store.put(vmid, { config, pending: null });
        ctx.log(`applied: ${Object.keys(changes).join(', ')}`);
      } else {
        await this.d.store.put(vmid, { config: current.config, pending: mergePending(current.pending, changes) });
        ctx.log(`guest is ${state}; pending until the next start: ${Object.keys(changes).join(', ')}`);
      }
    });
  }

  /** Applies pending changes and returns the config to start with. */
  private async commitPending(vmid: number, ctx: TaskContext): Promise<GuestConfig> {
    const g = await this.stored(vmid);
    if (!g.pending) return g.config;
    const config = applyPending(g.config, g.pending);
    await this.d.store.put(vmid, { config, pending: null });
    ctx.log(`applied pending changes: ${Object.keys(g.pending).join(', ')}`);
    return config;
  }

  async action(vmid: number, action: SimpleAction, user: string): Promise<string> {
    this.assertUnlocked(vmid);
    await this.stored(vmid);
    const type = `qm${action}` as const;
    return this.task(type, vmid, user, async (ctx) => {
      const { driver } = this.d;
      switch (action) {
        case 'start': {
          const config = await this.commitPending(vmid, ctx);
          const s = await driver.start(toDriverConfig(config, this.d.storages));
          ctx.log(`started, pid ${s.pid ?? '?'}, status ${s.qmpStatus ?? s.state}`);
          return;
        }
        case 'stop': {
          const s = await driver.stop(vmid);
          ctx.log(`stopped (${s.state})`);
          return;
        }
        case 'reset':
          await driver.reset(vmid);
          ctx.log('reset');
          return;
        case 'pause':
          await driver.pause(vmid);
          ctx.log('paused');
          return;
        case 'resume':
          await driver.resume(vmid);
          ctx.log('resumed');
          return;
      }
    });
  }

  async shutdown(vmid: number, raw: z.input<typeof ZShutdownInput>, user: string): Promise<string> {
    const { timeoutSeconds, forceStop } = ZShutdownInput.parse(raw);
    this.assertUnlocked(vmid);
    await this.stored(vmid);
    return this.task('qmshutdown', vmid, user, async (ctx) => {
      ctx.log(`ACPI power-down, waiting up to ${timeoutSeconds} s${forceStop ? ', then a forced stop' : ''}`);
      const before = Date.now();
      const s = await this.d.driver.shutdown(vmid, { timeoutMs: timeoutSeconds * 1000, forceStop });
      const took = (Date.now() - before) / 1000;
      if (forceStop && took >= timeoutSeconds)
        ctx.warn(`the guest did not power off within ${timeoutSeconds} s; it was stopped hard`);
      ctx.log(`guest is ${s.state}`);
    });
  }

  async reboot(vmid: number, raw: z.input<typeof ZRebootInput>, user: string): Promise<string> {
    const { timeoutSeconds } = ZRebootInput.parse(raw);
    this.assertUnlocked(vmid);
    await this.stored(vmid);
    return this.task('qmreboot', vmid, user, async (ctx) => {
      const config = await this.commitPending(vmid, ctx);
      const s = await this.d.driver.reboot(toDriverConfig(config, this.d.storages), {
        timeoutMs: timeoutSeconds * 1000,
      });
      ctx.log(`rebooted, pid ${s.pid ?? '?'}`);
    });
  }

  async resize(vmid: number, input: ResizeInput, user: string): Promise<string> {
    this.assertUnlocked(vmid);
    const g = await this.stored(vmid);
    const disk = g.config.disks.find((d) => d.slot === input.slot);
    if (!disk)
      throw new AgentError('INVALID_INPUT', `slot: guest ${vmid} has no disk ${input.slot}`, { field: 'slot' });
    if ((await this.d.driver.status(vmid)).state !== 'stopped') {
      throw new AgentError(
        'CONFLICT',
        `guest ${vmid} is running; stop it to resize ${input.slot} (live resize is not supported yet)`,
      );
    }
    const storage = storageOf(this.d.storages, disk.volume, 'slot');
    const current = await storage.volume(disk.volume);
    if (input.sizeMiB * MiB < current.sizeBytes) {
      throw new AgentError(
        'INVALID_INPUT',
        `sizeMiB: disks only grow; ${input.slot} is ${Math.ceil(current.sizeBytes / MiB)} MiB already`,
        { field: 'sizeMiB' },
      );
    }
    return this.task('resize', vmid, user, async (ctx) => {
      if ((await this.d.driver.status(vmid)).state !== 'stopped')
        throw new Error(`guest ${vmid} started meanwhile; resize refused`);
      await storage.resizeImage(disk.volume, input.sizeMiB);
      ctx.log(`${input.slot} (${disk.volume}) is now ${input.sizeMiB} MiB`);
    });
  }

  /**
   * Adds a disk in a free slot (task `qmconfig`): a new volume, created at
   * once, or an unused image volume of this guest. A stopped guest gets it in
   * its config (pending changes committed with it, as `update` does); a
   * running one at its next start, named in the pending section (no hot-plug
   * yet). A new volume is removed again when a later step fails.
   */
  async addDisk(vmid: number, raw: AddDiskInput, user: string): Promise<string> {
    const input = ZAddDiskInput.parse(raw);
    this.assertUnlocked(vmid);
    const g = await this.stored(vmid);
    assertFreeSlot(applyPending(g.config, g.pending), input.slot);
    if ('volume' in input) await this.assertUnusedVolume(vmid, input.volume);
    else await this.assertSpace([input], (_, key) => key);
    return this.task('qmconfig', vmid, user, async (ctx) => {
      const cur = await this.stored(vmid);
      assertFreeSlot(applyPending(cur.config, cur.pending), input.slot);
      const disk = 'volume' in input ? existingDisk(input.slot, input.volume) : await this.newDisk(vmid, input, ctx);
      try {
        await this.putDisks(vmid, cur, (disks) => [...disks, disk], ctx);
        ctx.log(`added ${disk.slot}: ${disk.volume}`);
      } catch (e) {
        if (!('volume' in input)) await this.removeVolumes([disk.volume], ctx);
        throw e;
      }
    });
  }

  private async newDisk(vmid: number, d: z.infer<typeof ZNewDisk>, ctx: TaskContext): Promise<GuestDisk> {
    const volume = await storageById(this.d.storages, d.storage, 'storage').createImage(
      vmid,
      d.format,
      d.sizeMiB,
      'sizeMiB',
    );
    ctx.log(`created ${volume} (${d.sizeMiB} MiB, ${d.format})`);
    return { slot: d.slot, volume, format: d.format };
  }

  /** An image volume of this guest that exists and that no guest's config (or pending section) uses. */
  private async assertUnusedVolume(vmid: number, volume: string): Promise<void> {
    const v = parseVolumeId(volume);
    if (v?.content !== 'images' || v.vmid !== vmid)
      throw new AgentError('INVALID_INPUT', `volume: ${volume} is not an image volume of guest ${vmid}`, {
        field: 'volume',
      });
    await storageOf(this.d.storages, volume, 'volume').assertExists(volume, 'volume', 'images');
    const user = await this.volumeInUse(volume);
    if (user !== null)
      throw new AgentError('CONFLICT', `volume: ${volume} is attached to guest ${user} already`, { field: 'volume' });
  }

  /**
   * Writes the guest's disk list as `change` makes it from the one its next
   * start would use: into the config of a stopped guest (its pending changes
   * committed too), into the pending section of a running one.
   */
  private async putDisks(
    vmid: number,
    cur: StoredGuest,
    change: (disks: GuestDisk[]) => GuestDisk[],
    ctx: TaskContext,
  ): Promise<void> {
    const target = applyPending(cur.config, cur.pending);
    const disks = change(target.disks);
    const state = (await this.d.driver.status(vmid)).state;
    if (state === 'stopped') {
      const config = { ...target, disks };
      toDriverConfig(config, this.d.storages);
      await this.d.store.put(vmid, { config, pending: null });
      if (cur.pending) ctx.log(`applied pending changes: ${Object.keys(cur.pending).join(', ')}`);
    } else {
      await this.d.store.put(vmid, { config: cur.config, pending: mergePending(cur.pending, { disks }) });
      ctx.log(`guest is ${state}; the disk is attached at its next start (pending)`);
    }
  }

  /**
   * Detaches a disk of a stopped guest (task `qmconfig`): it leaves the config
   * and the boot order (as Proxmox does), its volume and data stay on the
   * storage (Horcrux has no `unusedN`; addDisk with `volume` attaches it again).
   */
  async detachDisk(vmid: number, slot: DiskSlot, user: string): Promise<string> {
    this.assertUnlocked(vmid);
    const g = await this.stored(vmid);
    if (!applyPending(g.config, g.pending).disks.some((d) => d.slot === slot))
      throw new AgentError('INVALID_INPUT', `slot: guest ${vmid} has no disk ${slot}`, { field: 'slot' });
    await this.assertStopped(vmid, `to detach ${slot} (hot-unplug is not supported yet)`);
    return this.task('qmconfig', vmid, user, async (ctx) => {
      await this.assertStopped(vmid, `to detach ${slot}`);
      const cur = await this.stored(vmid);
      const target = applyPending(cur.config, cur.pending);
      const disk = target.disks.find((d) => d.slot === slot);
      if (!disk) throw new Error(`guest ${vmid} has no disk ${slot} any more`);
      const boot = target.boot.filter((b) => b !== slot);
      await this.d.store.put(vmid, {
        config: { ...target, disks: target.disks.filter((d) => d.slot !== slot), boot },
        pending: null,
      });
      if (boot.length !== target.boot.length)
        ctx.log(`removed ${slot} from the boot order: ${boot.join(', ') || 'empty'}`);
      ctx.log(
        `detached ${slot}; its volume ${disk.volume} is kept on storage ${disk.volume.split(':')[0]} ` +
          '(attach it again with Add disk, or delete it there to free the space)',
      );
    });
  }

  private async assertStopped(vmid: number, what: string): Promise<void> {
    const { state } = await this.d.driver.status(vmid);
    if (state !== 'stopped') throw new AgentError('CONFLICT', `guest ${vmid} is ${state}; stop it first ${what}`);
  }

  async destroy(vmid: number, force: boolean, user: string): Promise<string> {
    this.assertUnlocked(vmid);
    await this.stored(vmid);
    const state = (await this.d.driver.status(vmid)).state;
    if (state !== 'stopped' && !force) {
      throw new AgentError('CONFLICT', `guest ${vmid} is ${state}; stop it first or delete with force`, {
        field: 'force',
      });
    }
    return this.task('qmdestroy', vmid, user, async (ctx) => {
      if ((await this.d.driver.status(vmid)).state !== 'stopped') {
        await this.d.driver.stop(vmid);
        ctx.log('stopped the guest');
      }
      await this.removeVolumes(await this.volumesOf(vmid), ctx);
      await this.d.store.remove(vmid);
      await this.d.driver.forget(vmid);
      ctx.log(`guest ${vmid} deleted`);
    });
  }

  /**
   * Every image volume of the guest: its disks, and the volumes it owns on
   * each storage that its config does not name (a disk a rollback detached),
   * as Proxmox destroys all of a VM's volumes.
   */
  private async volumesOf(vmid: number): Promise<string[]> {
    const g = await this.stored(vmid);
    const owned = await Promise.all([...this.d.storages.values()].map((s) => s.imagesOf(vmid)));
    return [...new Set([...g.config.disks.map((d) => d.volume), ...owned.flat()])];
  }

  /** True when a guest's config uses the volume (then it must not be deleted). */
  async volumeInUse(volid: string): Promise<number | null> {
    for (const vmid of await this.d.store.vmids()) {
      const g = await this.d.store.get(vmid).catch(() => null);
      if (!g) continue;
      const c = applyPending(g.config, g.pending);
      const uses = [
        ...c.disks.map((d) => d.volume),
        c.cdrom?.volume,
        c.kernel?.volume,
        c.kernel?.initrd,
        ...g.config.disks.map((d) => d.volume),
      ];
      if (uses.includes(volid)) return vmid;
    }
    return null;
  }
}
