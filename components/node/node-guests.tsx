'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useState } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { DataTable, type Column } from '@/components/ui/data-table';
import { Section } from '@/components/ui/section';
import { useTRPC } from '@/components/trpc';
import { VmStatusBadge } from '@/components/vm/vm-status';

type Row = { vmid: number; name: string; status: string; lock: string | null; can: { powerMgmt: boolean } };

/** The node's guests, with bulk start, shutdown and stop of the selected ones. */
export function NodeGuests({ node }: { node: string }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const guests = useQuery(trpc.vm.list.queryOptions({ node }, { refetchInterval: 3000 }));
  const action = useMutation(trpc.vm.action.mutationOptions());
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const [errors, setErrors] = useState<string[]>([]);

  async function bulk(kind: 'start' | 'shutdown' | 'stop') {
    setErrors([]);
    const targets = (guests.data ?? []).filter((g) => selected.has(g.vmid) && g.can.powerMgmt);
    const results = await Promise.allSettled(
      targets.map((g) =>
        action.mutateAsync(
          kind === 'shutdown'
            ? { vmid: g.vmid, action: kind, forceStop: true, timeoutSeconds: 60 }
            : { vmid: g.vmid, action: kind },
        ),
      ),
    );
    setErrors(
      results.flatMap((r, i) =>
        r.status === 'rejected'
          ? [`VM ${targets[i]!.vmid}: ${r.reason instanceof Error ? r.reason.message : String(r.reason)}`]
          : [],
      ),
    );
    void qc.invalidateQueries();
  }

  const toggle = (vmid: number) =>
    setSelected((s) => {
      const next = new Set(s);
      if (next.has(vmid)) next.delete(vmid);
      else next.add(vmid);
      return next;
    });

  const columns: Column<Row>[] = [
    {
      key: 'select',
      header: 'Select',
      value: (g) => selected.has(g.vmid),
      render: (g) => (
        <input
          type="checkbox"
          aria-label={`Select VM ${g.vmid}`}
          checked={selected.has(g.vmid)}
          onChange={() => toggle(g.vmid)}
        />
      ),
    },
    {
      key: 'vmid',
      header: 'ID',
      value: (g) => g.vmid,
      render: (g) => (
        <Link className="text-brand-700 underline dark:text-brand-500" href={`/vms/${g.vmid}`}>
          {g.vmid}
        </Link>
      ),
    },
    { key: 'name', header: 'Name', value: (g) => g.name },
    { key: 'status', header: 'Status', value: (g) => g.status, render: (g) => <VmStatusBadge status={g.status} /> },
    { key: 'lock', header: 'Lock', value: (g) => g.lock ?? '' },
  ];
  const none = selected.size === 0 || action.isPending;
  return (
    <Section
      title="Guests"
      actions={
        <div className="flex gap-1.5">
          <Button disabled={none} onClick={() => void bulk('start')}>
            Bulk start
          </Button>
          <Button variant="secondary" disabled={none} onClick={() => void bulk('shutdown')}>
            Bulk shutdown
          </Button>
          <Button variant="secondary" disabled={none} onClick={() => void bulk('stop')}>
            Bulk stop
          </Button>
        </div>
      }
    >
      {guests.error && <Alert>{guests.error.message}</Alert>}
      {errors.map((e) => (
        <Alert key={e}>{e}</Alert>
      ))}
      <DataTable
        label={`Guests on ${node}`}
        rows={guests.data ?? []}
        columns={columns}
        rowKey={(g) => String(g.vmid)}
        empty="No guests on this node."
      />
    </Section>
  );
}
