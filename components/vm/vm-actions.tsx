'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { Button } from '@/components/ui/button';
import { useTRPC } from '@/components/trpc';

type Action = 'start' | 'shutdown' | 'stop' | 'reboot' | 'reset' | 'pause' | 'resume';

/** The action buttons of a VM page; shown only when the caller may use them (`can` flags). */
export function VmActions({ vmid }: { vmid: number }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const router = useRouter();
  const vm = useQuery(trpc.vm.get.queryOptions({ vmid }, { refetchInterval: 2000 }));
  const refresh = () => void qc.invalidateQueries();
  const act = useMutation(trpc.vm.action.mutationOptions({ onSettled: refresh }));
  const del = useMutation(
    trpc.vm.delete.mutationOptions({ onSuccess: () => router.push('/datacenter'), onSettled: refresh }),
  );
  const [confirmDelete, setConfirmDelete] = useState(false);
  if (!vm.data) return null;
  const { status, can, lock } = vm.data;
  const busy = act.isPending || lock !== null;
  const run = (action: Action) =>
    act.mutate(action === 'shutdown' ? { vmid, action, timeoutSeconds: 60, forceStop: true } : { vmid, action });
  const error = act.error ?? del.error;
  return (
    <div className="flex flex-wrap items-center gap-1.5">
      {error && (
        <span role="alert" className="mr-2 text-sm text-red-600">
          {error.message}
        </span>
      )}
      {can.powerMgmt && (
        <>
          {status === 'stopped' && (
            <Button onClick={() => run('start')} disabled={busy}>
              Start
            </Button>
          )}
          {status === 'paused' && (
            <Button onClick={() => run('resume')} disabled={busy}>
              Resume
            </Button>
          )}
          {status === 'running' && (
            <>
              <Button variant="secondary" onClick={() => run('shutdown')} disabled={busy}>
                Shutdown
              </Button>
              <Button variant="secondary" onClick={() => run('stop')} disabled={busy}>
                Stop
              </Button>
              <Button variant="secondary" onClick={() => run('reboot')} disabled={busy}>
                Reboot
              </Button>
              <Button variant="secondary" onClick={() => run('reset')} disabled={busy}>
                Reset
              </Button>
              <Button variant="secondary" onClick={() => run('pause')} disabled={busy}>
                Pause
              </Button>
            </>
          )}
        </>
      )}
      {can.allocate &&
        (confirmDelete ? (
          <>
            <Button
              variant="danger"
              onClick={() => del.mutate({ vmid, force: status !== 'stopped' })}
              disabled={del.isPending}
            >
              Confirm delete of VM {vmid}
            </Button>
            <Button variant="ghost" onClick={() => setConfirmDelete(false)}>
              Cancel
            </Button>
          </>
        ) : (
          <Button variant="secondary" onClick={() => setConfirmDelete(true)} disabled={busy}>
            Delete
          </Button>
        ))}
    </div>
  );
}
