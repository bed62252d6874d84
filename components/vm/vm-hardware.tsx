'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent, type ReactNode } from 'react';
import type { GuestDisk } from '@/agent/contract/guests';
import { ConfirmButton } from '@/components/access/confirm-button';
import { TaskViewer } from '@/components/tasks/task-viewer';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { TextField } from '@/components/ui/field';
import { Section } from '@/components/ui/section';
import { useTRPC } from '@/components/trpc';
import { AddDiskDialog } from './add-disk-dialog';
import { DiskResize } from './disk-resize';

/** A line of the table: what is configured, what the next start changes (undefined: nothing), an action. */
type Row = { label: string; value: string; pend: unknown; action?: ReactNode };

const diskText = (d: GuestDisk) => `${d.volume} (${d.format})`;

/**
 * One row per disk slot of the config or the pending disk list: its disk now,
 * and what the next start gives it when that differs ("none" = detached).
 */
function diskRows(disks: GuestDisk[], pending: GuestDisk[] | undefined): (Row & { slot: string })[] {
  const slots = [...new Set([...disks, ...(pending ?? [])].map((d) => d.slot))];
  return slots.map((slot) => {
    const now = disks.find((d) => d.slot === slot);
    const next = pending?.find((d) => d.slot === slot);
    const changed = pending !== undefined && next?.volume !== now?.volume;
    return {
      slot,
      label: `Hard disk (${slot})`,
      value: now ? diskText(now) : 'none',
      pend: changed ? (next ? diskText(next) : 'none') : undefined,
    };
  });
}

/** The Hardware tab: the configuration, pending changes beside it, CPU/memory editing, adding and detaching disks. */
export function VmHardware({ vmid }: { vmid: number }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const vm = useQuery(trpc.vm.get.queryOptions({ vmid }, { refetchInterval: 3000 }));
  const update = useMutation(trpc.vm.update.mutationOptions({ onSuccess: () => void qc.invalidateQueries() }));
  const detach = useMutation(
    trpc.vm.detachDisk.mutationOptions({
      onSuccess: ({ upid }) => {
        void qc.invalidateQueries();
        setTask(upid);
      },
    }),
  );
  const [editing, setEditing] = useState(false);
  const [task, setTask] = useState<string | null>(null);
  if (vm.error) return <p className="text-sm text-red-600">{vm.error.message}</p>;
  if (!vm.data || !('cores' in vm.data.config)) return <p className="text-sm text-slate-500">Loading…</p>;
  const { config: c, pending, can } = vm.data;
  const p = (pending ?? {}) as Record<string, unknown>;
  const pendingDisks = p.disks as GuestDisk[] | undefined;
  const running = vm.data.status !== 'stopped';
  const detachButton = (slot: string): ReactNode =>
    can.disk &&
    c.disks.some((d) => d.slot === slot) && (
      <ConfirmButton
        label="Detach"
        what={slot}
        disabled={running || detach.isPending}
        onConfirm={() => detach.mutate({ vmid, slot: slot as GuestDisk['slot'] })}
      />
    );
  const row = (label: string, value: string, pend: unknown): Row => ({ label, value, pend });
  const rows: Row[] = [
    row('Memory', `${c.memoryMiB} MiB`, p.memoryMiB !== undefined ? `${String(p.memoryMiB)} MiB` : undefined),
    row(
      'Processors',
      `${c.sockets} socket(s) × ${c.cores} core(s)`,
      p.cores !== undefined || p.sockets !== undefined
        ? `${String(p.sockets ?? c.sockets)} × ${String(p.cores ?? c.cores)}`
        : undefined,
    ),
    row('BIOS', c.bios === 'ovmf' ? 'OVMF (UEFI)' : 'SeaBIOS', p.bios),
    row('Machine', c.machine, p.machine),
    row('Display', c.vga, p.vga),
    row('Serial port', c.serial ? 'socket' : 'none', p.serial),
    ...diskRows(c.disks, pendingDisks).map((r) => ({ ...r, action: detachButton(r.slot) })),
    row('CD/DVD (ide2)', c.cdrom ? `${c.cdrom.volume},media=cdrom` : 'none', p.cdrom),
    ...c.nics.map((n, i) => row(`Network (net${i})`, `${n.model}=${n.mac.toUpperCase()}, user-mode`, undefined)),
    row('Boot order', c.boot.join(', '), p.boot),
  ];

  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    update.mutate(
      { vmid, changes: { cores: Number(f.get('cores')), memoryMiB: Number(f.get('memory')) } },
      { onSuccess: () => setEditing(false) },
    );
  }

  return (
    <Section
      title="Hardware"
      actions={
        can.config && (
          <Button variant="secondary" onClick={() => setEditing(!editing)}>
            {editing ? 'Cancel' : 'Edit CPU and memory'}
          </Button>
        )
      }
    >
      {editing && (
        <form onSubmit={submit} className="flex max-w-xl items-end gap-3" aria-label="Edit CPU and memory">
          <TextField label="Cores" name="cores" type="number" min={1} max={512} defaultValue={c.cores} required />
          <TextField label="Memory (MiB)" name="memory" type="number" min={16} defaultValue={c.memoryMiB} required />
          <Button type="submit" disabled={update.isPending}>
            Apply
          </Button>
        </form>
      )}
      {(update.error ?? detach.error) && <Alert>{(update.error ?? detach.error)?.message}</Alert>}
      {can.disk && <DiskResize vmid={vmid} slots={c.disks.map((d) => d.slot)} running={running} />}
      {can.disk && (
        <AddDiskDialog
          vmid={vmid}
          used={[...(pendingDisks ?? c.disks).map((d) => d.slot), ...(c.cdrom ? ['ide2'] : [])]}
          running={running}
          onStarted={setTask}
        />
      )}
      {running && can.disk && <p className="text-xs text-slate-500">Stop the VM to detach a disk.</p>}
      <table className="w-full max-w-3xl text-left text-sm">
        <tbody>
          {rows.map(({ label, value, pend, action }) => (
            <tr key={label} className="border-t border-slate-200 dark:border-slate-800">
              <th scope="row" className="w-48 py-1.5 pr-3 font-medium text-slate-600 dark:text-slate-300">
                {label}
              </th>
              <td className="py-1.5">
                {value}
                {pend !== undefined && (
                  <span className="ml-2 text-amber-700 dark:text-amber-400" title="applied at the next start">
                    → {typeof pend === 'string' ? pend : JSON.stringify(pend)} (pending)
                  </span>
                )}
              </td>
              <td className="py-1.5 text-right">{action}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <TaskViewer upid={task} onClose={() => setTask(null)} />
    </Section>
  );
}
