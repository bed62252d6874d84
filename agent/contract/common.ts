import { z } from 'zod';
import { isValidGuestName, isValidVolumeName, VMID_MAX, VMID_MIN } from '../lib/names';

/** A guest id: cluster-unique integer >= 100, as in Proxmox. */
export const ZVmid = z
  .number()
  .int()
  .min(VMID_MIN, `vmid must be at least ${VMID_MIN}`)
  .max(VMID_MAX, `vmid must be at most ${VMID_MAX}`);

/** A vmid in a URL path or query string. */
export const ZVmidParam = z.coerce.number().pipe(ZVmid);

/** A guest name: a DNS name (Proxmox's rule), so it is safe in paths and arguments. */
export const ZGuestName = z
  .string()
  .refine(isValidGuestName, 'must be a DNS name: letters, digits, inner hyphens, dot-separated labels');

/** A node name: one DNS label (it is part of every UPID). */
export const ZNodeName = z
  .string()
  .regex(/^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/, 'must be one DNS label: letters, digits, inner hyphens');

/** A storage id (`local`): Proxmox's `pve-storage-id`. */
export const ZStorageId = z
  .string()
  .regex(/^[a-z][a-z0-9\-_.]{0,63}$/i, 'must start with a letter; letters, digits, - _ . only');

/** A file name inside a storage: no `/`, no `..`, nothing a shell would read. */
export const ZVolumeName = z
  .string()
  .refine(isValidVolumeName, "must be a plain file name (letters, digits, '.', '_', '+', '-'; no '/' or '..')");

/**
 * A volume id, as Proxmox writes it: `<storage>:<vmid>/<file>` for guest images
 * (`local:100/vm-100-disk-0.qcow2`), `<storage>:iso/<file>.iso`,
 * `<storage>:snippets/<file>` (kernels, initrds) and `<storage>:backup/<file>`.
 * The agent maps it to a path through its storage layer; a raw path never crosses the API.
 */
export const ZVolumeId = z
  .string()
  .max(300)
  .refine((v) => parseVolumeId(v) !== null, {
    message: "must be a volume id such as 'local:100/vm-100-disk-0.qcow2' or 'local:iso/name.iso'",
  });

export type VolumeContent = 'images' | 'iso' | 'snippets' | 'backup';

export type ParsedVolumeId = {
  storage: string;
  content: VolumeContent;
  /** The owning guest, for `images`; null otherwise. */
  vmid: number | null;
  /** The file name, already checked by the volume-name rule. */
  name: string;
};

const DIR_OF: Record<string, VolumeContent> = { iso: 'iso', snippets: 'snippets', backup: 'backup' };

/** Splits and checks a volume id; null when any part of it is not allowed. */
export function parseVolumeId(volid: string): ParsedVolumeId | null {
  const m = /^([a-zA-Z][a-zA-Z0-9\-_.]{0,63}):([^/]+)\/([^/]+)$/.exec(volid);
  if (!m) return null;
  const [, storage, dir, name] = m as unknown as [string, string, string, string];
  if (!isValidVolumeName(name)) return null;
  const content = DIR_OF[dir];
  if (content) {
    if (content === 'iso' && !name.toLowerCase().endsWith('.iso')) return null;
    return { storage, content, vmid: null, name };
  }
  if (!/^[1-9][0-9]*$/.test(dir)) return null;
  const vmid = Number(dir);
  if (vmid < VMID_MIN || vmid > VMID_MAX) return null;
  if (!/\.(qcow2|raw)$/.test(name)) return null;
  return { storage, content: 'images', vmid, name };
}

/** The format of an image volume (or its file name), from its extension as parseVolumeId accepts it. */
export function imageFormat(volume: string): 'qcow2' | 'raw' {
  return volume.endsWith('.raw') ? 'raw' : 'qcow2';
}

/** The reverse of parseVolumeId. */
export function formatVolumeId(v: ParsedVolumeId): string {
  const dir = v.content === 'images' ? String(v.vmid) : v.content;
  return `${v.storage}:${dir}/${v.name}`;
}

/** The user a request acts for, `name@realm` or `name@realm!token`, recorded in task ids. */
export const ZUserId = z
  .string()
  .max(128)
  .regex(/^[A-Za-z0-9._-]+@[A-Za-z0-9._-]+(?:![A-Za-z0-9._-]+)?$/, 'must look like name@realm');

/** The header that carries the acting user (the console sets it; the agent records it in tasks). */
export const USER_HEADER = 'x-horcrux-user';

/** The answer of every action: the task that carries it out. */
export const ZTaskRef = z.object({ upid: z.string() });
export type TaskRef = z.infer<typeof ZTaskRef>;
