'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { configSummary } from '@/agent/contract/config-summary';
import { TaskViewer } from '@/components/tasks/task-viewer';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Section } from '@/components/ui/section';
import { useTRPC } from '@/components/trpc';
import { SnapshotDetails } from './snapshot-details';
import { NOW_ID, SnapshotTree } from './snapshot-tree';
import { TakeSnapshotDialog } from './take-snapshot-dialog';
import type { TreeSnapshot } from './tree-layout';

/** The Snapshots tab of a VM: the tree, the selected node's details and actions, unrecorded snapshots. */
export function VmSnapshots({ vmid }: { vmid: number }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const list = useQuery(trpc.snapshot.list.queryOptions({ vmid }, { refetchInterval: 3000 }));
  const [selected, setSelected] = useState<string | null>(null);
  const [taking, setTaking] = useState(false);
  const [task, setTask] = useState<string | null>(null);
  const done = {
    onSuccess: (r: { upid: string } | null) => {
      if (r) setTask(r.upid);
    },
    onSettled: () => void qc.invalidateQueries(),
  };
  const create = useMutation(
    trpc.snapshot.create.mutationOptions({ ...done, onSuccess: (r) => (setTaking(false), setTask(r.upid)) }),
  );
  const rollback = useMutation(trpc.snapshot.rollback.mutationOptions(done));
  const remove = useMutation(
    trpc.snapshot.delete.mutationOptions({ ...done, onSuccess: (r) => (setSelected(null), setTask(r.upid)) }),
  );
  const describe = useMutation(trpc.snapshot.update.mutationOptions({ onSettled: done.onSettled }));

  const data = list.data;
  // A new array only when the answer changed (react-query keeps equal data), so the layout is not recomputed.
  const snapshots = useMemo<TreeSnapshot[]>(
    () =>
      (data?.snapshots ?? []).map((s) => ({
        name: s.name,
        parent: s.parent,
        snaptime: s.snaptime,
        vmstate: s.vmstate,
        description: s.description,
        missing: s.missing.length,
      })),
    [data?.snapshots],
  );
  if (list.error) return <Alert>{list.error.message}</Alert>;
  if (!data) return <p className="text-sm text-slate-500">Loading…</p>;

  const sel = data.snapshots.find((s) => s.name === selected) ?? null;
  const busy = rollback.isPending || remove.isPending || create.isPending;
  const error = rollback.error ?? remove.error ?? describe.error;

  return (
    <Section
      title="Snapshots"
      actions={
        data.can.snapshot && (
          <Button
            onClick={() => setTaking(true)}
            disabled={!data.capability.snapshot}
            title={data.capability.reason ?? undefined}
          >
            Take snapshot
          </Button>
        )
      }
    >
      {!data.capability.snapshot && data.capability.reason && (
        <Alert tone="info">Snapshots are not possible for this guest: {data.capability.reason}</Alert>
      )}
      {error && <Alert>{error.message}</Alert>}
      <div className="flex flex-col gap-4 lg:flex-row">
        <SnapshotTree
          className="min-w-0 flex-1"
          snapshots={snapshots}
          current={data.parent}
          running={data.running}
          selected={selected}
          onSelect={setSelected}
        />
        <aside aria-label="Details" className="w-full shrink-0 lg:w-80">
          {sel ? (
            <SnapshotDetails
              key={sel.name}
              snap={{
                ...snapshots.find((s) => s.name === sel.name)!,
                missingOn: sel.missing.map((m) => `${m.slot} (${m.volume})`),
                hardware: sel.config ? configSummary(sel.config) : null,
              }}
              isCurrent={data.parent === sel.name}
              can={data.can}
              busy={busy}
              onRollback={() => rollback.mutate({ vmid, name: sel.name })}
              onDelete={() => remove.mutate({ vmid, name: sel.name })}
              onDescribe={(description) => describe.mutate({ vmid, name: sel.name, description })}
            />
          ) : selected === NOW_ID ? (
            <p className="text-sm">
              <strong>NOW</strong>: the guest as it is ({data.running ? 'running' : 'stopped'}),{' '}
              {data.parent ? `descending from ${data.parent}` : 'before any snapshot'}. A new snapshot becomes its
              parent.
            </p>
          ) : (
            <p className="text-sm text-slate-500">
              Select a snapshot in the tree (Tab to it, Enter) to see it and roll back, delete or describe it.
            </p>
          )}
        </aside>
      </div>
      {data.unrecorded.length > 0 && (
        <div className="space-y-1">
          <h3 className="text-sm font-semibold">On disk, not recorded by Horcrux</h3>
          <table aria-label="Unrecorded snapshots" className="text-left text-sm">
            <thead className="text-xs text-slate-500">
              <tr>
                <th className="pr-4">Name</th>
                <th className="pr-4">Disk</th>
                <th className="pr-4">Taken</th>
                <th className="pr-4">RAM state</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {data.unrecorded.map((u) => (
                <tr key={`${u.volume}/${u.name}`}>
                  <td className="pr-4">{u.name}</td>
                  <td className="pr-4">
                    {u.slot} ({u.volume})
                  </td>
                  <td className="pr-4">{new Date(u.snaptime * 1000).toLocaleString()}</td>
                  <td className="pr-4">{u.vmstateBytes > 0 ? 'yes' : 'no'}</td>
                  <td>
                    {data.can.snapshot && /^[a-zA-Z][a-zA-Z0-9_-]{0,39}$/.test(u.name) && u.name !== 'current' && (
                      <Button variant="ghost" disabled={busy} onClick={() => remove.mutate({ vmid, name: u.name })}>
                        Delete
                      </Button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <TakeSnapshotDialog
        open={taking}
        onClose={() => {
          setTaking(false);
          create.reset();
        }}
        onSubmit={(v) => create.mutate({ vmid, ...v, vmstate: v.vmstate && data.capability.withMemory })}
        taken={data.snapshots.map((s) => s.name)}
        withMemory={data.capability.withMemory}
        pending={create.isPending}
        error={create.error?.message ?? null}
      />
      <TaskViewer upid={task} onClose={() => setTask(null)} />
    </Section>
  );
}
