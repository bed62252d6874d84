import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { ZGuestConfig, ZPendingChanges, type GuestConfig, type PendingChanges } from '../contract/guests';
import { ZSnapshotTree, type SnapshotTree } from '../contract/snapshots';
import { assertVmid } from '../lib/names';

/** What the agent keeps per guest in `<data>/guests/<vmid>.json`. */
export const ZStoredGuest = z.object({
  config: ZGuestConfig,
  /** Changes made while it ran, applied at the next start (Proxmox's pending section). */
  pending: ZPendingChanges.nullable(),
  /** The snapshot tree (parents, current position), which qcow2 does not store. */
  snapshots: ZSnapshotTree.default({ parent: null, list: [] }),
});
/**
 * A guest's record. `snapshots` is optional when writing: a `put` without it
 * keeps the recorded tree, so config changes can never drop it.
 */
export type StoredGuest = { config: GuestConfig; pending: PendingChanges | null; snapshots?: SnapshotTree };
export const EMPTY_TREE: SnapshotTree = { parent: null, list: [] };

type Stored = StoredGuest & { snapshots: SnapshotTree };

/**
 * Guest configs on disk, one JSON file per vmid, written atomically. What was
 * read is kept with the file's inode, size and modification time, and used
 * again while a stat of the file shows the same (every write replaces the
 * file, so its inode changes): the node monitor and the metrics collector ask
 * for every guest every few seconds, and reading and parsing a hundred files
 * for that cost the agent more than anything else it does. Callers get
 * copies, never the kept record.
 */
export class GuestStore {
  readonly dir: string;
  private readonly cache = new Map<number, { ino: number; size: number; mtimeMs: number; stored: Stored }>();

  constructor(dir: string) {
    this.dir = dir;
  }

  async init(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
  }

  private file(vmid: number): string {
    return path.join(this.dir, `${assertVmid(vmid)}.json`);
  }

  async get(vmid: number): Promise<Stored | null> {
    const file = this.file(vmid);
    let text: string;
    let seen: { ino: number; size: number; mtimeMs: number };
    try {
      // The stat before the read: if the file is replaced in between, the next stat differs and it is read again.
      seen = await stat(file);
      const kept = this.cache.get(vmid);
      if (kept && kept.ino === seen.ino && kept.size === seen.size && kept.mtimeMs === seen.mtimeMs)
        return structuredClone(kept.stored);
      text = await readFile(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        this.cache.delete(vmid);
        return null;
      }
      throw e;
    }
    const stored = ZStoredGuest.parse(JSON.parse(text));
    this.cache.set(vmid, { ino: seen.ino, size: seen.size, mtimeMs: seen.mtimeMs, stored: structuredClone(stored) });
    return stored;
  }

  async put(vmid: number, guest: StoredGuest): Promise<void> {
    const file = this.file(vmid);
    const snapshots = guest.snapshots ?? (await this.get(vmid))?.snapshots ?? EMPTY_TREE;
    await writeFile(`${file}.tmp`, JSON.stringify(ZStoredGuest.parse({ ...guest, snapshots }), null, 2));
    await rename(`${file}.tmp`, file);
    this.cache.delete(vmid);
  }

  async remove(vmid: number): Promise<void> {
    this.cache.delete(vmid);
    await rm(this.file(vmid), { force: true });
  }

  async vmids(): Promise<number[]> {
    const names = await readdir(this.dir);
    return names
      .map((n) => /^([1-9][0-9]*)\.json$/.exec(n)?.[1])
      .filter((v): v is string => v !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
  }
}

/** The config a start would use: the stored one with the pending changes applied. */
export function applyPending(config: GuestConfig, pending: PendingChanges | null): GuestConfig {
  if (!pending) return config;
  const { kernel, description, tags, ostype, ...rest } = pending;
  const next: GuestConfig = { ...config, ...rest };
  if (kernel === null) delete next.kernel;
  else if (kernel !== undefined) next.kernel = kernel;
  // null removes an optional field.
  if (description === null) delete next.description;
  else if (description !== undefined) next.description = description;
  if (tags === null) delete next.tags;
  else if (tags !== undefined) next.tags = tags;
  if (ostype === null) delete next.ostype;
  else if (ostype !== undefined) next.ostype = ostype;
  return next;
}

/** Later changes win over earlier pending ones. */
export function mergePending(a: PendingChanges | null, b: PendingChanges): PendingChanges {
  return { ...(a ?? {}), ...b };
}
