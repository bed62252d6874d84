import { z } from 'zod';
import { exec, ExecError } from '../lib/exec';
import { StorageError } from './errors';

const ZImageInfo = z.object({
  'virtual-size': z.number(),
  'actual-size': z.number().optional(),
  format: z.string(),
  snapshots: z
    .array(
      z.object({
        id: z.string(),
        name: z.string(),
        'date-sec': z.number(),
        'vm-state-size': z.number(),
      }),
    )
    .optional(),
});

/** An internal snapshot of an image (qcow2). */
export type ImageSnapshot = { id: string; name: string; dateSec: number; vmStateSize: number };
export type ImageInfo = { virtualSize: number; actualSize: number | null; format: string; snapshots: ImageSnapshot[] };

/** Parses `qemu-img info --output=json`. */
export function parseImageInfo(json: string): ImageInfo {
  const info = ZImageInfo.parse(JSON.parse(json));
  return {
    virtualSize: info['virtual-size'],
    actualSize: info['actual-size'] ?? null,
    format: info.format,
    snapshots: (info.snapshots ?? []).map((s) => ({
      id: s.id,
      name: s.name,
      dateSec: s['date-sec'],
      vmStateSize: s['vm-state-size'],
    })),
  };
}

async function run(args: string[], timeoutMs = 120_000): Promise<string> {
  try {
    return (await exec('qemu-img', args, { timeoutMs })).stdout;
  } catch (e) {
    if (e instanceof ExecError) throw new StorageError('TOOL_FAILED', e.message, { cause: e });
    throw e;
  }
}

/** `-U`: read even while a running QEMU holds the image's lock. */
export async function imageInfo(path: string): Promise<ImageInfo> {
  return parseImageInfo(await run(['info', '--output=json', '-U', path], 30_000));
}

export async function createImage(path: string, format: 'qcow2' | 'raw', sizeBytes: number): Promise<void> {
  const opts = format === 'qcow2' ? ['-o', 'preallocation=off'] : [];
  await run(['create', '-q', '-f', format, ...opts, path, String(sizeBytes)]);
}

export async function resizeImage(path: string, format: 'qcow2' | 'raw', sizeBytes: number): Promise<void> {
  await run(['resize', '-q', '-f', format, path, String(sizeBytes)]);
}

/**
 * `qemu-img snapshot -c/-a/-d NAME PATH` on an image no QEMU has open. The
 * caller validated `name` (it starts with a letter, so it is never an option).
 */
export async function snapshotImage(op: 'create' | 'apply' | 'delete', path: string, name: string): Promise<void> {
  const flag = op === 'create' ? '-c' : op === 'apply' ? '-a' : '-d';
  await run(['snapshot', '-q', flag, name, path], 600_000);
}
