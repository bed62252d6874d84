import { z } from 'zod';
import { ZStorageId, ZVolumeId, ZVolumeName } from './common';

export const ZVolumeContent = z.enum(['images', 'iso', 'snippets', 'backup']);

/** One storage of the node and its space. */
export const ZStorage = z.object({
  id: ZStorageId,
  type: z.literal('dir'),
  content: z.array(ZVolumeContent),
  totalBytes: z.number(),
  usedBytes: z.number(),
  availBytes: z.number(),
});
export type Storage = z.infer<typeof ZStorage>;

export const ZStorageList = z.object({ storages: z.array(ZStorage) });

/** One volume (file) on a storage. */
export const ZVolume = z.object({
  volid: ZVolumeId,
  content: ZVolumeContent,
  /** `qcow2`, `raw`, `iso`, or the file's extension. */
  format: z.string(),
  /** Virtual size for images (`qemu-img info`), file size otherwise. */
  sizeBytes: z.number(),
  /** Bytes taken on the host. */
  usedBytes: z.number(),
  /** The owning guest, for images. */
  vmid: z.number().int().nullable(),
});
export type Volume = z.infer<typeof ZVolume>;

export const ZVolumeList = z.object({ volumes: z.array(ZVolume) });
export type VolumeList = z.infer<typeof ZVolumeList>;

export const ZStorageParams = z.object({ storage: ZStorageId });
export const ZVolumeListQuery = z.object({ content: ZVolumeContent.optional() });
export const ZVolumeParams = z.object({ storage: ZStorageId, volid: ZVolumeId });

/**
 * `PUT /storage/:storage/upload/:filename`: the raw bytes of an ISO as the
 * body (streamed to disk), `Content-Length` required and equal to the bytes
 * received; the file appears only when complete. Answers with the volume.
 */
export const ZUploadParams = z.object({
  storage: ZStorageId,
  filename: ZVolumeName.refine((n) => n.toLowerCase().endsWith('.iso'), 'must end in .iso'),
});
export const ZUploadResult = z.object({ volume: ZVolume });
