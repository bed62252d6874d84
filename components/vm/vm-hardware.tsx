'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { TextField } from '@/components/ui/field';
import { Section } from '@/components/ui/section';
import { useTRPC } from '@/components/trpc';
import { DiskResize } from './disk-resize';

/** The Hardware tab: the configuration, pending changes beside it, and CPU/memory editing. */
export function VmHardware({ vmid }: { vmid: number }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const vm = useQuery(trpc.vm.get.queryOptions({ vmid }, { refetchInterval: 3000 }));
  const update = useMutation(trpc.vm.update.mutationOptions({ onSuccess: () => void qc.invalidateQueries() }));
  const [editing, setEditing] = useState(false);
  if (vm.error) return <p className="text-sm text-red-600">{vm.error.message}</p>;
  if (!vm.data || !('cores' in vm.data.config)) return <p className="text-sm text-slate-500">Loading…</p>;
  const { config: c, pending, can } = vm.data;
  const p = (pending ?? {}) as Record<string, unknown>;
  const rows: [string, string, unknown][] = [
    ['Memory', `${c.memoryMiB} MiB`, p.memoryMiB !== undefined ? `${String(p.memoryMiB)} MiB` : undefined],
    [
      'Processors',
      `${c.sockets} socket(s) × ${c.cores} core(s)`,
      p.cores !== undefined || p.sockets !== undefined
        ? `${String(p.sockets ?? c.sockets)} × ${String(p.cores ?? c.cores)}`
        : undefined,
    ],
    ['BIOS', c.bios === 'ovmf' ? 'OVMF (UEFI)' : 'SeaBIOS', p.bios],
    ['Machine', c.machine, p.machine],
    ['Display', c.vga, p.vga],
    ['Serial port', c.serial ? 'socket' : 'none', p.serial],
    ...c.disks.map((d): [string, string, unknown] => [`Hard disk (${d.slot})`, `${d.volume} (${d.format})`, undefined]),
    ['CD/DVD (ide2)', c.cdrom ? `${c.cdrom.volume},media=cdrom` : 'none', p.cdrom],
    ...c.nics.map((n, i): [string, string, unknown] => [
      `Network (net${i})`,
      `${n.model}=${n.mac.toUpperCase()}, user-mode`,
      undefined,
    ]),
    ['Boot order', c.boot.join(', '), p.boot],
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
      {update.error && <Alert>{update.error.message}</Alert>}
      {editing && (
        <form onSubmit={submit} className="flex max-w-xl items-end gap-3" aria-label="Edit CPU and memory">
          <TextField label="Cores" name="cores" type="number" min={1} max={512} defaultValue={c.cores} required />
          <TextField label="Memory (MiB)" name="memory" type="number" min={16} defaultValue={c.memoryMiB} required />
          <Button type="submit" disabled={update.isPending}>
            Apply
          </Button>
        </form>
      )}
      {can.disk && <DiskResize vmid={vmid} slots={c.disks.map((d) => d.slot)} running={vm.data.status !== 'stopped'} />}
      <table className="w-full max-w-3xl text-left text-sm">
        <tbody>
          {rows.map(([label, value, pend]) => (
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
            </tr>
          ))}
        </tbody>
      </table>
    </Section>
  );
}
