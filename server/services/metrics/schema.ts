/**
 * The round-robin layout of stored metrics, as Proxmox's RRD: each series has
 * one ring per tier, `slots` rows of `step` seconds each. A sample lands in
 * slot floor(t / step) mod slots of every tier; a slot whose period has passed
 * is overwritten, so a series never holds more than the sum of the slots.
 */
export const TIERS = [
  { tier: 0, step: 10, slots: 360 }, // 1 hour at full resolution
  { tier: 1, step: 60, slots: 1440 }, // 1 day of 1-minute averages and maxima
  { tier: 2, step: 1800, slots: 1440 }, // 30 days of 30-minute
  { tier: 3, step: 21600, slots: 1460 }, // 1 year of 6-hour
] as const;

export type Tier = (typeof TIERS)[number];

/** Rows one series can ever hold, summed over its tiers. */
export const MAX_ROWS_PER_SERIES = TIERS.reduce((a, t) => a + t.slots, 0);

/** The graph ranges, as Proxmox's `timeframe`, and the tier each one reads. */
export const RANGES = {
  hour: { seconds: 3600, tier: 0 },
  day: { seconds: 86_400, tier: 1 },
  week: { seconds: 7 * 86_400, tier: 2 },
  month: { seconds: 30 * 86_400, tier: 2 },
  year: { seconds: 365 * 86_400, tier: 3 },
} as const;

export type Range = keyof typeof RANGES;
export const RANGE_NAMES = ['hour', 'day', 'week', 'month', 'year'] as const satisfies readonly Range[];

/** Proxmox's consolidation functions. */
export type Cf = 'AVERAGE' | 'MAX';

export type SeriesKind = 'node' | 'guest' | 'storage';

/** A table of rings: its key columns (besides tier and slot) and its fields. */
export type SeriesTable = {
  table: 'NodeMetric' | 'GuestMetric' | 'StorageMetric';
  keys: readonly { name: string; sqlType: 'text' | 'int' }[];
  fields: readonly string[];
};

export const NODE_FIELDS = [
  'cpu',
  'maxcpu',
  'load1',
  'memUsed',
  'memTotal',
  'swapUsed',
  'swapTotal',
  'rootUsed',
  'rootTotal',
  'netIn',
  'netOut',
  'diskRead',
  'diskWrite',
  'psiCpu',
  'psiMem',
  'psiIo',
] as const;

export const GUEST_FIELDS = [
  'cpu',
  'maxcpu',
  'mem',
  'maxmem',
  'diskRead',
  'diskWrite',
  'diskReadOps',
  'diskWriteOps',
  'netIn',
  'netOut',
  'uptime',
  'running',
] as const;

export const STORAGE_FIELDS = ['used', 'total'] as const;

export type NodeField = (typeof NODE_FIELDS)[number];
export type GuestField = (typeof GUEST_FIELDS)[number];

export const TABLES: Record<SeriesKind, SeriesTable> = {
  node: { table: 'NodeMetric', keys: [{ name: 'node', sqlType: 'text' }], fields: NODE_FIELDS },
  guest: { table: 'GuestMetric', keys: [{ name: 'vmid', sqlType: 'int' }], fields: GUEST_FIELDS },
  storage: {
    table: 'StorageMetric',
    keys: [
      { name: 'node', sqlType: 'text' },
      { name: 'storage', sqlType: 'text' },
    ],
    fields: STORAGE_FIELDS,
  },
};

/** Start of the period of `tier` that contains Unix second `t`. */
export function periodStart(tier: Tier, t: number): number {
  return Math.floor(t / tier.step) * tier.step;
}

export function slotOf(tier: Tier, t: number): number {
  return Math.floor(t / tier.step) % tier.slots;
}

/** The timeline of a graph: the period starts of `range` ending with the one holding `now`. */
export function timeline(range: Range, now: number): { tier: Tier; step: number; from: number; to: number } {
  const { seconds, tier: index } = RANGES[range];
  const tier = TIERS[index]!;
  const to = periodStart(tier, now);
  return { tier, step: tier.step, from: to - seconds + tier.step, to };
}
