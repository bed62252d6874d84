import { createWriteStream } from 'node:fs';
import { link, mkdir, open, readdir, rm, rmdir, stat, statfs, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  formatVolumeId,
  imageFormat,
  parseVolumeId,
  type ParsedVolumeId,
  type VolumeContent,
} from '../contract/common';
import type { Storage, Volume } from '../contract/storage';
import { isValidVmid, isValidVolumeName } from '../lib/names';
import { StorageError } from './errors';
import * as qemuImg from './qemu-img';

const MiB = 1024 * 1024;

/** Where each kind of content lives under the storage root, as Proxmox lays out a directory storage. */
const SUBDIR: Record<Exclude<VolumeContent, 'images'>, string> = {
  iso: 'template/iso',
  snippets: 'snippets',
  backup: 'dump',
};

/**
 * A directory storage (Proxmox's `dir` type), e.g. `local` under
 * `<data>/storage/local`: `images/<vmid>/`, `template/iso/`, `dump/`, `snippets/`.
 * Every volume id is parsed and checked before it becomes a path.
 */
export class DirStorage {
  readonly id: string;
  readonly root: string;

  constructor(id: string, root: string) {
    this.id = id;
    this.root = path.resolve(root);
  }

  async init(): Promise<void> {
    for (const d of ['images', ...Object.values(SUBDIR)]) await mkdir(path.join(this.root, d), { recursive: true });
  }

  /** Parses a volume id of this storage; throws INVALID naming `field` otherwise. */
  parse(volid: string, field = 'volume', content?: VolumeContent): ParsedVolumeId {
    const v = parseVolumeId(volid);
    if (!v) throw new StorageError('INVALID', `${field}: ${JSON.stringify(volid)} is not a valid volume id`, { field });
    if (v.storage !== this.id) {
      throw new StorageError(
        'NOT_FOUND',
        `${field}: storage ${JSON.stringify(v.storage)} does not exist on this node`,
        { field },
      );
    }
    if (content && v.content !== content) {
      throw new StorageError('INVALID', `${field}: ${volid} is ${v.content} content, expected ${content}`, { field });
    }
    return v;
  }

  /** The host path of a volume id (which need not exist). */
  pathOf(volid: string, field = 'volume', content?: VolumeContent): string {
    return this.pathOfParsed(this.parse(volid, field, content));
  }

  private pathOfParsed(v: ParsedVolumeId): string {
    const dir = v.content === 'images' ? path.join('images', String(v.vmid)) : SUBDIR[v.content];
    const p = path.join(this.root, dir, v.name);
    // Belt and braces: the parser already refused '/' and '..'.
    if (!p.startsWith(this.root + path.sep))
      throw new StorageError('INVALID', `volume ${formatVolumeId(v)} escapes the storage`);
    return p;
  }

  /** Throws NOT_FOUND naming `field` when the volume's file does not exist. */
  async assertExists(volid: string, field = 'volume', content?: VolumeContent): Promise<string> {
    const p = this.pathOf(volid, field, content);
    try {
      const s = await stat(p);
      if (s.isFile()) return p;
    } catch {
      // fall through
    }
    throw new StorageError('NOT_FOUND', `${field}: volume ${volid} does not exist`, { field });
  }

  async status(): Promise<Storage> {
    const s = await statfs(this.root);
    const total = s.blocks * s.bsize;
    const avail = s.bavail * s.bsize;
    return {
      id: this.id,
      type: 'dir',
      content: ['images', 'iso', 'snippets', 'backup'],
      totalBytes: total,
      usedBytes: total - s.bfree * s.bsize,
      availBytes: avail,
    };
  }

  async list(content?: VolumeContent): Promise<Volume[]> {
    const out: Volume[] = [];
    const kinds: VolumeContent[] = content ? [content] : ['images', 'iso', 'snippets', 'backup'];
    for (const kind of kinds) {
      if (kind === 'images') {
        for (const dir of await readdirSafe(path.join(this.root, 'images'))) {
          const vmid = Number(dir);
          if (!/^[0-9]+$/.test(dir) || !isValidVmid(vmid)) continue;
          for (const volid of await this.imagesOf(vmid)) out.push(await this.volume(volid));
        }
      } else {
        for (const name of await readdirSafe(path.join(this.root, SUBDIR[kind]))) {
          const volid = `${this.id}:${kind}/${name}`;
          if (parseVolumeId(volid)) out.push(await this.volume(volid));
        }
      }
    }
    return out;
  }

  /**
   * The ids of the image volumes a guest owns on this storage (`images/<vmid>/`),
   * attached to its config or not.
   */
  async imagesOf(vmid: number): Promise<string[]> {
    const names = await readdirSafe(path.join(this.root, 'images', String(vmid)));
    return names.map((name) => `${this.id}:${vmid}/${name}`).filter((volid) => parseVolumeId(volid) !== null);
  }

  /** One volume with its sizes; images are read with `qemu-img info`. */
  async volume(volid: string): Promise<Volume> {
    const v = this.parse(volid);
    const p = await this.assertExists(volid);
    const s = await stat(p);
    if (v.content === 'images') {
      const info = await qemuImg.imageInfo(p);
      return {
        volid,
        content: v.content,
        format: info.format,
        sizeBytes: info.virtualSize,
        usedBytes: s.blocks * 512,
        vmid: v.vmid,
      };
    }
    const ext = path.extname(v.name).slice(1).toLowerCase();
    return {
      volid,
      content: v.content,
      format: ext || 'raw',
      sizeBytes: s.size,
      usedBytes: s.blocks * 512,
      vmid: null,
    };
  }

  /**
   * Creates `vm-<vmid>-disk-<n>.<format>` with the first free n and returns
   * its volume id. The file is claimed with O_EXCL first, so a concurrent
   * create can never make qemu-img overwrite someone's image.
   */
  async createImage(vmid: number, format: 'qcow2' | 'raw', sizeMiB: number, field = 'disks'): Promise<string> {
    const { availBytes } = await this.status();
    if (format === 'raw' && sizeMiB * MiB > availBytes) {
      throw new StorageError(
        'NO_SPACE',
        `${field}: ${sizeMiB} MiB does not fit in storage ${this.id} (${Math.floor(availBytes / MiB)} MiB free)`,
        { field },
      );
    }
    const dir = path.join(this.root, 'images', String(vmid));
    await mkdir(dir, { recursive: true });
    // Numbers are unique across formats, as in Proxmox: disk-0.qcow2 and disk-0.raw never coexist.
    const taken = new Set((await readdirSafe(dir)).map((f) => new RegExp(`^vm-${vmid}-disk-(\\d+)\\.`).exec(f)?.[1]));
    for (let n = 0; n < 1000; n++) {
      if (taken.has(String(n))) continue;
      const name = `vm-${vmid}-disk-${n}.${format}`;
      const p = path.join(dir, name);
      try {
        await (await open(p, 'wx')).close();
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') continue;
        throw e;
      }
      try {
        await qemuImg.createImage(p, format, sizeMiB * MiB);
      } catch (e) {
        await rm(p, { force: true });
        throw e;
      }
      return `${this.id}:${vmid}/${name}`;
    }
    throw new StorageError('EXISTS', `${field}: guest ${vmid} has too many disks`, { field });
  }

  /** Grows an image to `sizeMiB`; refuses to shrink it. */
  async resizeImage(volid: string, sizeMiB: number, field = 'sizeMiB'): Promise<void> {
    const v = this.parse(volid, 'volume', 'images');
    const p = await this.assertExists(volid);
    const info = await qemuImg.imageInfo(p);
    if (sizeMiB * MiB < info.virtualSize) {
      throw new StorageError(
        'INVALID',
        `${field}: disks only grow; ${volid} is ${Math.ceil(info.virtualSize / MiB)} MiB already`,
        { field },
      );
    }
    if (sizeMiB * MiB === info.virtualSize) return;
    await qemuImg.resizeImage(p, imageFormat(v.name), sizeMiB * MiB);
  }

  /**
   * Whether an image volume can hold internal snapshots: qcow2 can, raw
   * cannot (it has no snapshot table). The reason names the volume.
   */
  snapshotSupport(volid: string): { ok: true } | { ok: false; reason: string } {
    const v = this.parse(volid, 'volume', 'images');
    if (v.name.endsWith('.qcow2')) return { ok: true };
    return {
      ok: false,
      reason: `${volid} is a raw image on ${this.id} (dir storage): raw images have no snapshot table; move the disk to qcow2 to snapshot this guest`,
    };
  }

  /** The internal snapshots an image holds (`qemu-img info -U`, readable while a QEMU has it open). */
  async imageSnapshots(volid: string): Promise<qemuImg.ImageSnapshot[]> {
    const p = await this.assertExists(volid, 'volume', 'images');
    return (await qemuImg.imageInfo(p)).snapshots;
  }

  /** `qemu-img snapshot` on the image of a stopped guest. */
  async snapshotImage(op: 'create' | 'apply' | 'delete', volid: string, name: string): Promise<void> {
    const support = this.snapshotSupport(volid);
    if (!support.ok) throw new StorageError('INVALID', support.reason, { field: 'volume' });
    const p = await this.assertExists(volid, 'volume', 'images');
    await qemuImg.snapshotImage(op, p, name);
  }

  async deleteVolume(volid: string, field = 'volume'): Promise<void> {
    const v = this.parse(volid, field);
    const p = this.pathOfParsed(v);
    try {
      await unlink(p);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new StorageError('NOT_FOUND', `${field}: volume ${volid} does not exist`, { field });
      }
      throw e;
    }
    if (v.content === 'images') await rmdir(path.dirname(p)).catch(() => undefined); // only when empty
  }

  /**
   * Streams an ISO into `template/iso/`: the announced size must fit and must
   * equal the bytes received; a partial file never carries the final name.
   */
  async uploadIso(
    filename: string,
    body: Readable,
    sizeBytes: number,
    beforeRead: () => void = () => undefined,
  ): Promise<Volume> {
    if (!isValidVolumeName(filename) || !filename.toLowerCase().endsWith('.iso')) {
      throw new StorageError(
        'INVALID',
        `filename: ${JSON.stringify(filename)} must be a plain file name ending in .iso`,
        { field: 'filename' },
      );
    }
    const volid = `${this.id}:iso/${filename}`;
    const final = this.pathOf(volid, 'filename', 'iso');
    if (await exists(final))
      throw new StorageError('EXISTS', `filename: ${filename} exists on storage ${this.id} already`, {
        field: 'filename',
      });
    const { availBytes } = await this.status();
    if (sizeBytes > availBytes) {
      throw new StorageError(
        'NO_SPACE',
        `size: ${sizeBytes} bytes do not fit in storage ${this.id} (${availBytes} free)`,
        { field: 'size' },
      );
    }
    const tmp = path.join(path.dirname(final), `.${filename}.${process.pid}.${Date.now()}.part`);
    beforeRead();
    let received = 0;
    try {
      await pipeline(
        body,
        async function* (source: AsyncIterable<Buffer>) {
          for await (const chunk of source) {
            received += chunk.length;
            if (received > sizeBytes) {
              throw new StorageError('SIZE_MISMATCH', `upload: more than the announced ${sizeBytes} bytes`, {
                field: 'size',
              });
            }
            yield chunk;
          }
        },
        createWriteStream(tmp, { flags: 'wx' }),
      );
      if (received !== sizeBytes) {
        throw new StorageError('SIZE_MISMATCH', `upload: received ${received} of ${sizeBytes} bytes`, {
          field: 'size',
        });
      }
      // link() refuses to replace a file that appeared meanwhile; rename() would not.
      await link(tmp, final).catch((e: NodeJS.ErrnoException) => {
        if (e.code === 'EEXIST')
          throw new StorageError('EXISTS', `filename: ${filename} exists on storage ${this.id} already`, {
            field: 'filename',
          });
        throw e;
      });
    } finally {
      await rm(tmp, { force: true });
    }
    return this.volume(volid);
  }
}

async function readdirSafe(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((n) => !n.startsWith('.')).sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}
