/**
 * Proxmox's property strings (`PVE::JSONSchema::parse_property_string`):
 * comma-separated `key=value` items, where the first item may omit its key
 * (the format's default key: `virtio=…` for a NIC, the volume for a disk).
 */
export type PropertyItems = { key: string; value: string }[];

export class PropertyStringError extends Error {}

/** Splits a property string. An item without `=` gets `defaultKey` when it is the first, else is a flag (value ''). */
export function parsePropertyString(text: string, defaultKey?: string): PropertyItems {
  if (text.trim() === '') throw new PropertyStringError('empty value');
  const items: PropertyItems = [];
  const seen = new Set<string>();
  text.split(',').forEach((raw, i) => {
    const part = raw.trim();
    if (part === '') throw new PropertyStringError(`empty item in '${text}'`);
    const eq = part.indexOf('=');
    let key: string;
    let value: string;
    if (eq < 0) {
      if (i === 0 && defaultKey) [key, value] = [defaultKey, part];
      else [key, value] = [part, ''];
    } else {
      [key, value] = [part.slice(0, eq).trim(), part.slice(eq + 1).trim()];
    }
    if (!/^[a-zA-Z][a-zA-Z0-9_-]*$/.test(key)) throw new PropertyStringError(`invalid key '${key}'`);
    if (seen.has(key)) throw new PropertyStringError(`duplicate key '${key}'`);
    seen.add(key);
    items.push({ key, value });
  });
  return items;
}

/** Joins items; the first is written bare when its key is `defaultKey`. */
export function formatPropertyString(items: PropertyItems, defaultKey?: string): string {
  return items
    .map(({ key, value }, i) => (i === 0 && key === defaultKey ? value : value === '' ? key : `${key}=${value}`))
    .join(',');
}

/** Proxmox's size suffixes (`32G`, `512M`, `4096K`, plain bytes): bytes, or null. */
export function parseSize(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)([KMGT]?)$/.exec(text.trim());
  if (!m) return null;
  const unit = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 }[m[2] as '' | 'K' | 'M' | 'G' | 'T'];
  return Math.round(Number(m[1]) * unit);
}

/** Bytes the way Proxmox writes a disk's `size=`: the largest unit that divides it. */
export function formatSize(bytes: number): string {
  for (const [unit, n] of [
    ['T', 1024 ** 4],
    ['G', 1024 ** 3],
    ['M', 1024 ** 2],
    ['K', 1024],
  ] as const) {
    if (bytes >= n && bytes % n === 0) return `${bytes / n}${unit}`;
  }
  return String(bytes);
}
