'use client';
import { useQuery } from '@tanstack/react-query';
import { Dialog } from '@/components/ui/dialog';
import { useTRPC } from '@/components/trpc';

/** A task's live log and status, as Proxmox's task viewer shows it. */
export function TaskViewer({ upid, onClose }: { upid: string | null; onClose: () => void }) {
  const trpc = useTRPC();
  const log = useQuery(
    trpc.task.log.queryOptions(
      { upid: upid ?? 'none-selected', start: 0 },
      { enabled: upid !== null, refetchInterval: (q) => (q.state.data?.running === false ? false : 1000) },
    ),
  );
  return (
    <Dialog open={upid !== null} title="Task viewer" onClose={onClose} wide>
      {log.error && <p className="text-sm text-red-600">{log.error.message}</p>}
      {log.data && (
        <>
          <p className="mb-2 text-sm">
            Status: <strong data-testid="task-status">{log.data.status}</strong>
          </p>
          <pre
            aria-label="Task log"
            className="max-h-96 overflow-auto rounded bg-slate-950 p-3 font-mono text-xs text-slate-100"
          >
            {log.data.lines.map((l) => l.t).join('\n') || '(no output yet)'}
          </pre>
          <p className="mt-2 break-all text-xs text-slate-500">{upid}</p>
        </>
      )}
    </Dialog>
  );
}
