'use client';
import { useMemo, useState, type ReactNode } from 'react';
import { cn } from './cn';

export type Column<T> = {
  key: string;
  header: string;
  /** What the column sorts and filters by. */
  value: (row: T) => string | number | boolean | null;
  render?: (row: T) => ReactNode;
  className?: string;
};

type Sort = { key: string; dir: 'ascending' | 'descending' };

function compare(a: string | number | boolean | null, b: string | number | boolean | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b), undefined, { numeric: true });
}

/** A table sorted by clicking a header and filtered by one text box over every column. */
export function DataTable<T>({
  label,
  rows,
  columns,
  rowKey,
  actions,
  empty = 'Nothing to show.',
}: {
  label: string;
  rows: readonly T[];
  columns: readonly Column<T>[];
  rowKey: (row: T) => string;
  actions?: (row: T) => ReactNode;
  empty?: string;
}) {
  const [filter, setFilter] = useState('');
  const [sort, setSort] = useState<Sort | null>(null);
  const shown = useMemo(() => {
    const needle = filter.trim().toLowerCase();
    const filtered = needle
      ? rows.filter((r) =>
          columns.some((c) =>
            String(c.value(r) ?? '')
              .toLowerCase()
              .includes(needle),
          ),
        )
      : [...rows];
    const col = sort && columns.find((c) => c.key === sort.key);
    if (col) filtered.sort((a, b) => compare(col.value(a), col.value(b)) * (sort.dir === 'ascending' ? 1 : -1));
    return filtered;
  }, [rows, columns, filter, sort]);
  const toggle = (key: string) =>
    setSort((s) =>
      s?.key === key ? { key, dir: s.dir === 'ascending' ? 'descending' : 'ascending' } : { key, dir: 'ascending' },
    );

  return (
    <div className="space-y-2">
      <input
        type="search"
        aria-label={`Filter ${label}`}
        placeholder="Filter…"
        value={filter}
        onChange={(e) => setFilter(e.target.value)}
        className="w-64 rounded border border-slate-300 bg-white px-2 py-1 text-sm dark:border-slate-600 dark:bg-slate-900"
      />
      <table aria-label={label} className="w-full text-left text-sm">
        <thead className="text-xs text-slate-500">
          <tr>
            {columns.map((c) => (
              <th key={c.key} className="py-1 pr-3 font-medium" aria-sort={sort?.key === c.key ? sort.dir : undefined}>
                <button type="button" className="hover:underline" onClick={() => toggle(c.key)}>
                  {c.header}
                  {sort?.key === c.key ? (sort.dir === 'ascending' ? ' ▲' : ' ▼') : ''}
                </button>
              </th>
            ))}
            {actions && (
              <th className="py-1 font-medium">
                <span className="sr-only">Actions</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>
          {shown.map((r) => (
            <tr key={rowKey(r)} className="border-t border-slate-200 dark:border-slate-800">
              {columns.map((c) => (
                <td key={c.key} className={cn('py-1 pr-3 align-top', c.className)}>
                  {c.render ? c.render(r) : String(c.value(r) ?? '')}
                </td>
              ))}
              {actions && <td className="space-x-1 py-1 text-right whitespace-nowrap">{actions(r)}</td>}
            </tr>
          ))}
          {shown.length === 0 && (
            <tr>
              <td colSpan={columns.length + (actions ? 1 : 0)} className="py-2 text-slate-500">
                {empty}
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}
