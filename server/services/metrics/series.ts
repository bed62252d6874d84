import type { Cf, Range } from './schema';

export type Point = { t: number } & Record<string, number | null>;

/**
 * A graph as it travels: one array per field, whose value i belongs to the
 * period starting at `start + i × step` (null where nothing was stored). A day
 * graph is 1,440 periods of a dozen fields; as arrays it is a third of the
 * bytes of one object per period, and a fraction of the work to check and
 * write. Read it as points with {@link seriesPoints}.
 */
export type Series = {
  range: Range;
  cf: Cf;
  /** Seconds between points. */
  step: number;
  /** Unix seconds of the first and last period of the graph. */
  from: number;
  to: number;
  /** The first period sent: `from`, or the one holding `since` when only the newest were asked for. */
  start: number;
  values: Record<string, (number | null)[]>;
};

/** The series as one point per period, as the charts draw it. */
export function seriesPoints(s: Pick<Series, 'start' | 'step' | 'values'>): Point[] {
  const fields = Object.entries(s.values);
  const length = fields.reduce((n, [, v]) => Math.max(n, v.length), 0);
  const points: Point[] = [];
  for (let i = 0; i < length; i++) {
    const point = { t: s.start + i * s.step } as Point;
    for (const [f, v] of fields) point[f] = v[i] ?? null;
    points.push(point);
  }
  return points;
}
