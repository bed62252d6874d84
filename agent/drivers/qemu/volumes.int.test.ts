import { existsSync } from 'node:fs';
import { stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DriverError } from '../errors';
import { tempRunDir } from './test-helpers';
import { createVolume, deleteVolume, resizeVolume, volumeInfo } from './volumes';

const GiB = 1024 * 1024 * 1024;

describe('volumes with qemu-img', () => {
  let dir: Awaited<ReturnType<typeof tempRunDir>>;
  beforeAll(async () => {
    dir = await tempRunDir('volumes');
  });
  afterAll(async () => {
    await dir?.cleanup();
  });

  it('creates a thin qcow2, grows it, refuses to shrink it, deletes it', async () => {
    const file = path.join(dir.dir, 'vm-100-disk-0.qcow2');
    const created = await createVolume(file, 'qcow2', GiB);
    expect(created).toMatchObject({ format: 'qcow2', virtualSizeBytes: GiB, backingFile: null, dirty: false });
    expect(created.actualSizeBytes).toBeLessThan(GiB / 100);

    const grown = await resizeVolume(file, 2 * GiB);
    expect(grown.virtualSizeBytes).toBe(2 * GiB);
    expect((await volumeInfo(file)).virtualSizeBytes).toBe(2 * GiB);

    await expect(resizeVolume(file, GiB)).rejects.toThrow(/shrinking .* is not allowed/);
    expect((await volumeInfo(file)).virtualSizeBytes).toBe(2 * GiB);

    await deleteVolume(file);
    expect(existsSync(file)).toBe(false);
    await deleteVolume(file);
  });

  it('creates a sparse raw image', async () => {
    const file = path.join(dir.dir, 'vm-100-disk-1.raw');
    const info = await createVolume(file, 'raw', 256 * 1024 * 1024);
    expect(info).toMatchObject({ format: 'raw', virtualSizeBytes: 256 * 1024 * 1024 });
    const st = await stat(file);
    expect(st.size).toBe(256 * 1024 * 1024);
    expect(st.blocks * 512).toBeLessThan(st.size);
  });

  it('never overwrites an existing file', async () => {
    const file = path.join(dir.dir, 'vm-100-disk-2.raw');
    await writeFile(file, 'precious');
    await expect(createVolume(file, 'raw', GiB)).rejects.toThrow(/exists already/);
    expect((await stat(file)).size).toBe(8);
  });

  it("passes qemu-img's own error on", async () => {
    const e = await volumeInfo(path.join(dir.dir, 'missing.qcow2')).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DriverError);
    expect((e as DriverError).code).toBe('HOST_TOOL_FAILED');
    expect((e as DriverError).message).toMatch(/Could not open .*missing\.qcow2.*No such file or directory/);
  });

  it.each(['relative.qcow2', '/tmp/../etc/x.raw', '/tmp/-o.raw', '/tmp/a;b.raw', '/tmp/.hidden'])(
    'refuses the path %s before running anything',
    async (p) => {
      await expect(createVolume(p, 'raw', GiB)).rejects.toMatchObject({ code: 'INVALID_CONFIG' });
    },
  );

  it('refuses a size that is not a positive integer', async () => {
    const file = path.join(dir.dir, 'vm-100-disk-3.raw');
    for (const size of [0, -1, 1.5, Number.NaN]) {
      await expect(createVolume(file, 'raw', size)).rejects.toMatchObject({ code: 'INVALID_CONFIG', field: 'size' });
    }
    expect(existsSync(file)).toBe(false);
  });
});
