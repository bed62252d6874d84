import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DirStorage } from './dir';

let root: string;
let s: DirStorage;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'hx-dir-'));
  s = new DirStorage('local', root);
  await s.init();
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const bytes = (n: number) => Readable.from([Buffer.alloc(n, 0x41)]);

describe('DirStorage (real qemu-img)', () => {
  it('lays out content as Proxmox does', async () => {
    expect((await readdir(root)).sort()).toEqual(['dump', 'images', 'snippets', 'template']);
    expect(s.pathOf('local:100/vm-100-disk-0.qcow2')).toBe(path.join(root, 'images/100/vm-100-disk-0.qcow2'));
    expect(s.pathOf('local:iso/x.iso')).toBe(path.join(root, 'template/iso/x.iso'));
    expect(s.pathOf('local:backup/vzdump-qemu-100.vma')).toBe(path.join(root, 'dump/vzdump-qemu-100.vma'));
  });

  it('refuses volume ids that are not its own or not valid, naming the field', () => {
    expect(() => s.pathOf('other:iso/x.iso', 'cdrom.volume')).toThrow(
      expect.objectContaining({ code: 'NOT_FOUND', field: 'cdrom.volume' }),
    );
    expect(() => s.pathOf('local:iso/../../etc/passwd', 'cdrom.volume')).toThrow(
      expect.objectContaining({ code: 'INVALID', field: 'cdrom.volume' }),
    );
    expect(() => s.pathOf('local:iso/x.iso', 'disks.0.volume', 'images')).toThrow(
      expect.objectContaining({ code: 'INVALID' }),
    );
  });

  it('creates images with unique numbers across formats, grows them, lists and deletes them', async () => {
    const a = await s.createImage(100, 'qcow2', 8);
    const b = await s.createImage(100, 'raw', 4);
    expect([a, b]).toEqual(['local:100/vm-100-disk-0.qcow2', 'local:100/vm-100-disk-1.raw']);
    await s.resizeImage(b, 16);
    await expect(s.resizeImage(b, 8)).rejects.toMatchObject({ code: 'INVALID', field: 'sizeMiB' });
    const list = await s.list('images');
    expect(list.map((v) => [v.volid, v.format, v.sizeBytes])).toEqual([
      [a, 'qcow2', 8 * 1024 * 1024],
      [b, 'raw', 16 * 1024 * 1024],
    ]);
    await s.deleteVolume(a);
    await s.deleteVolume(b);
    await expect(s.deleteVolume(b)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await readdir(path.join(root, 'images'))).toEqual([]);
  });

  it('keeps an upload only when exactly the announced bytes arrived', async () => {
    await expect(s.uploadIso('short.iso', bytes(100), 200)).rejects.toMatchObject({ code: 'SIZE_MISMATCH' });
    await expect(s.uploadIso('long.iso', bytes(300), 200)).rejects.toMatchObject({ code: 'SIZE_MISMATCH' });
    await expect(s.uploadIso('huge.iso', bytes(1), Number.MAX_SAFE_INTEGER)).rejects.toMatchObject({
      code: 'NO_SPACE',
      field: 'size',
    });
    expect(await readdir(path.join(root, 'template/iso'))).toEqual([]);
    const v = await s.uploadIso('ok.iso', bytes(200), 200);
    expect(v).toMatchObject({ volid: 'local:iso/ok.iso', sizeBytes: 200, format: 'iso' });
    await expect(s.uploadIso('ok.iso', bytes(200), 200)).rejects.toMatchObject({ code: 'EXISTS' });
    await expect(s.uploadIso('../ok.iso', bytes(1), 1)).rejects.toMatchObject({ code: 'INVALID', field: 'filename' });
  });
});
