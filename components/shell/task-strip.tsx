'use client';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { TaskViewer } from '@/components/tasks/task-viewer';
import { formatDateTime } from '@/components/ui/format';
import { useTRPC } from '@/components/trpc';

/** The bottom task log: recent tasks, refreshed while the page is open. */
export function TaskStrip() {
  const trpc = useTRPC();
  const tasks = useQuery(trpc.task.recent.queryOptions({ limit: 50 }, { refetchInterval: 3_000 }));
  const [open, setOpen] = useState<string | null>(null);
  return (
    <section
      aria-label="Tasks"
      className="col-span-2 row-start-3 overflow-auto border-t border-slate-200 bg-white text-sm dark:border-slate-800 dark:bg-slate-900"
    >
      <h2 className="sticky top-0 border-b border-slate-200 bg-slate-50 px-3 py-1 text-xs font-semibold uppercase tracking-wide text-slate-600 dark:border-slate-800 dark:bg-slate-900 dark:text-slate-400">
        Tasks
      </h2>
      {tasks.error && <p className="px-3 py-2 text-red-600">{tasks.error.message}</p>}
      {tasks.data?.length === 0 && <p className="px-3 py-2 text-slate-500">No tasks yet.</p>}
      {tasks.data && tasks.data.length > 0 && (
        <table className="w-full text-left">
          <thead className="text-xs text-slate-500">
            <tr>
              <th className="px-3 py-1 font-medium">Start time</th>
              <th className="px-3 py-1 font-medium">End time</th>
              <th className="px-3 py-1 font-medium">Node</th>
              <th className="px-3 py-1 font-medium">User</th>
              <th className="px-3 py-1 font-medium">Description</th>
              <th className="px-3 py-1 font-medium">Status</th>
            </tr>
          </thead>
          <tbody>
            {tasks.data.map((t) => (
              <tr
                key={t.upid}
                onClick={() => setOpen(t.upid)}
                onKeyDown={(e) => e.key === 'Enter' && setOpen(t.upid)}
                tabIndex={0}
                aria-label={`Task ${t.type} ${t.target}: ${t.status}`}
                className="cursor-pointer border-t border-slate-100 hover:bg-slate-50 dark:border-slate-800 dark:hover:bg-slate-800"
              >
                <td className="px-3 py-1">{formatDateTime(t.startedAt)}</td>
                <td className="px-3 py-1">{t.endedAt ? formatDateTime(t.endedAt) : ''}</td>
                <td className="px-3 py-1">{t.node}</td>
                <td className="px-3 py-1">{t.userId}</td>
                <td className="px-3 py-1">
                  {t.type} {t.target}
                </td>
                <td className={t.status.startsWith('ERROR') ? 'px-3 py-1 text-red-600' : 'px-3 py-1'}>{t.status}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <TaskViewer upid={open} onClose={() => setOpen(null)} />
    </section>
  );
}
