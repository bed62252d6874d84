'use client';
import { Area, AreaChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { formatTick, formatValue, type Unit } from './units';

export type ChartLine = {
  key: string;
  label: string;
  color: string;
  /** Drawn as a line, not a filled area. */ line?: boolean;
};
export type ChartPoint = { t: number } & Record<string, number | null>;

/**
 * One graph: time on x, values in `unit` on y. Missing values are gaps in the
 * drawing (connectNulls off): a period nobody reported stays empty.
 */
export function MetricChart({
  title,
  points,
  lines,
  unit,
  from,
  to,
}: {
  title: string;
  points: ChartPoint[];
  lines: ChartLine[];
  unit: Unit;
  from: number;
  to: number;
}) {
  const span = to - from;
  const hasData = points.some((p) => lines.some((l) => p[l.key] !== null && p[l.key] !== undefined));
  return (
    <figure
      aria-label={title}
      data-has-data={hasData ? 'true' : 'false'}
      className="rounded border border-slate-200 bg-white p-3 dark:border-slate-800 dark:bg-slate-900"
    >
      <figcaption className="mb-1 text-sm font-semibold">{title}</figcaption>
      <div className="h-48 w-full">
        <ResponsiveContainer width="100%" height="100%">
          <AreaChart data={points} margin={{ top: 4, right: 8, bottom: 0, left: 8 }}>
            <CartesianGrid strokeDasharray="3 3" stroke="currentColor" strokeOpacity={0.15} />
            <XAxis
              dataKey="t"
              type="number"
              scale="time"
              domain={[from, to]}
              tickFormatter={(t: number) => formatTick(t, span)}
              tick={{ fontSize: 11 }}
              minTickGap={40}
            />
            <YAxis
              width={80}
              tick={{ fontSize: 11 }}
              tickFormatter={(v: number) => formatValue(v, unit)}
              domain={[0, 'auto']}
            />
            <Tooltip
              labelFormatter={(t) => new Date(Number(t) * 1000).toLocaleString()}
              formatter={(v) => (typeof v === 'number' ? formatValue(v, unit) : 'no data')}
            />
            <Legend wrapperStyle={{ fontSize: 12 }} />
            {lines.map((l) => (
              <Area
                key={l.key}
                dataKey={l.key}
                name={l.label}
                type="linear"
                stroke={l.color}
                fill={l.color}
                fillOpacity={l.line ? 0 : 0.2}
                strokeWidth={1.5}
                strokeDasharray={l.line ? '4 3' : undefined}
                connectNulls={false}
                isAnimationActive={false}
                dot={false}
              />
            ))}
          </AreaChart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
}
