import { unlink } from 'node:fs/promises';
import path from 'node:path';
import { exec, ExecError } from '../../lib/exec';
import { isValidVolumeName } from '../../lib/names';
import { DriverError } from '../errors';
import type { DiskFormat } from '../types';

/** What `qemu-img info --output=json` says about an image, the fields Horcrux reads. */
export type VolumeInfo = {
  format: string;
  virtualSizeBytes: number;
  /** Host bytes allocated (thin images use less than the virtual size). */
  actualSizeBytes: number | null;
  backingFile: string | null;
  dirty: boolean;
};

const QEMU_IMG = 'qemu-img';
const TIMEOUT_MS = 120_000;

/** An absolute path whose file name passes the volume-name rule. */
function assertVolumePath(p: string): string {
  if (!path.isAbsolute(p) || p.split('/').includes('..') || !isValidVolumeName(path.basename(p))) {
    throw new DriverError('INVALID_CONFIG', `not a volume path: ${JSON.stringify(p)}`, { field: 'path' });
  }
  return p;
}

function assertSize(bytes: number): number {
  if (!Number.isSafeInteger(bytes) || bytes <= 0) {
    throw new DriverError('INVALID_CONFIG', `size must be a positive integer of bytes, got ${bytes}`, {
      field: 'size',
    });
  }
  return bytes;
}

async function qemuImg(args: string[]): Promise<string> {
  try {
    const { stdout } = await exec(QEMU_IMG, args, { timeoutMs: TIMEOUT_MS });
    return stdout;
  } catch (e) {
    if (e instanceof ExecError) throw new DriverError('HOST_TOOL_FAILED', e.message, { cause: e });
    throw e;
  }
}

/** Creates a thin image (qcow2, or sparse raw); fails if the file exists. */
export async function createVolume(file: string, format: DiskFormat, sizeBytes: number): Promise<VolumeInfo> {
  assertVolumePath(file);
  assertSize(sizeBytes);
  // qemu-img create truncates an existing file; refuse instead of destroying a disk.
  const exists = await volumeInfo(file).then(
    () => true,
    () => false,
  );
  if (exists) throw new DriverError('INVALID_CONFIG', `volume ${file} exists already`, { field: 'path' });
  await qemuImg(['create', '-q', '-f', format, file, String(sizeBytes)]);
  return volumeInfo(file);
}

/**
 * Parsed `qemu-img info`. `forceShare` reads an image a running guest holds
 * open (the numbers may lag what the guest has in flight).
 */
export async function volumeInfo(file: string, options: { forceShare?: boolean } = {}): Promise<VolumeInfo> {
  assertVolumePath(file);
  const args = ['info', '--output=json', ...(options.forceShare ? ['-U'] : []), file];
  const raw: unknown = JSON.parse(await qemuImg(args));
  return parseVolumeInfo(raw);
}

/** Reads the fields Horcrux uses from `qemu-img info --output=json`. */
export function parseVolumeInfo(raw: unknown): VolumeInfo {
  if (typeof raw !== 'object' || raw === null) throw new Error('qemu-img info: not a JSON object');
  const o = raw as Record<string, unknown>;
  if (typeof o.format !== 'string' || typeof o['virtual-size'] !== 'number') {
    throw new Error('qemu-img info: missing format or virtual-size');
  }
  return {
    format: o.format,
    virtualSizeBytes: o['virtual-size'],
    actualSizeBytes: typeof o['actual-size'] === 'number' ? o['actual-size'] : null,
    backingFile: typeof o['backing-filename'] === 'string' ? o['backing-filename'] : null,
    dirty: o['dirty-flag'] === true,
  };
}

/** Grows an image to `newSizeBytes`; shrinking is refused (it would cut the guest's data). */
export async function resizeVolume(file: string, newSizeBytes: number): Promise<VolumeInfo> {
  assertSize(newSizeBytes);
  const info = await volumeInfo(file);
  if (newSizeBytes < info.virtualSizeBytes) {
    throw new DriverError(
      'INVALID_CONFIG',
      `volume ${file} is ${info.virtualSizeBytes} bytes; shrinking to ${newSizeBytes} is not allowed`,
      { field: 'size' },
    );
  }
  if (newSizeBytes === info.virtualSizeBytes) return info;
  await qemuImg(['resize', '-q', '-f', info.format, file, String(newSizeBytes)]);
  return volumeInfo(file);
}

/** Deletes an image file; a missing file is not an error. */
export async function deleteVolume(file: string): Promise<void> {
  assertVolumePath(file);
  try {
    await unlink(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}
