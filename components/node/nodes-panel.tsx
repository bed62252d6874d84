'use client';
import { useMutation, useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useState } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { DataTable, type Column } from '@/components/ui/data-table';
import { formatDateTime } from '@/components/ui/format';
import { Section } from '@/components/ui/section';
import { useTRPC } from '@/components/trpc';
import { RemoveNodeDialog } from './remove-node-dialog';

type Row = {
  name: string;
  url: string;
  status: string;
  lastSeenAt: Date | null;
  facts: { qemuVersion: string | null; kvm: { usable: boolean } } | null;
};

/** Datacenter → Nodes: the cluster's nodes, "Add node" (a one-time join token and its command) and removal. */
export function NodesPanel() {
  const trpc = useTRPC();
  const nodes = useQuery(trpc.node.list.queryOptions(undefined, { refetchInterval: 5000 }));
  const info = useQuery(trpc.cluster.info.queryOptions());
  const join = useMutation(trpc.node.createJoinToken.mutationOptions());
  const [removing, setRemoving] = useState<Row | null>(null);
  const canModify = info.data?.can.addNode ?? false;
  const columns: Column<Row>[] = [
    {
      key: 'name',
      header: 'Node',
      value: (n) => n.name,
      render: (n) => (
        <Link className="text-brand-700 underline dark:text-brand-500" href={`/nodes/${n.name}`}>
          {n.name}
        </Link>
      ),
    },
    { key: 'status', header: 'Status', value: (n) => n.status },
    { key: 'url', header: 'Agent', value: (n) => n.url },
    { key: 'accel', header: 'Acceleration', value: (n) => (n.facts ? (n.facts.kvm.usable ? 'KVM' : 'TCG') : '') },
    { key: 'qemu', header: 'QEMU', value: (n) => n.facts?.qemuVersion ?? '' },
    {
      key: 'seen',
      header: 'Last heartbeat',
      value: (n) => n.lastSeenAt?.getTime() ?? null,
      render: (n) => (n.lastSeenAt ? formatDateTime(n.lastSeenAt) : 'never'),
    },
  ];
  return (
    <div className="space-y-6">
      <Section
        title="Nodes"
        actions={
          canModify && (
            <Button onClick={() => join.mutate({ consoleUrl: window.location.origin })} disabled={join.isPending}>
              Add node
            </Button>
          )
        }
      >
        {nodes.error && <Alert>{nodes.error.message}</Alert>}
        <DataTable
          label="Nodes"
          rows={nodes.data ?? []}
          columns={columns}
          rowKey={(n) => n.name}
          empty="No nodes have joined yet."
          actions={
            canModify
              ? (n) => (
                  <Button variant="ghost" aria-label={`Remove node ${n.name}`} onClick={() => setRemoving(n)}>
                    Remove
                  </Button>
                )
              : undefined
          }
        />
      </Section>
      <RemoveNodeDialog
        node={removing?.name ?? null}
        offline={removing?.status === 'offline'}
        onClose={() => setRemoving(null)}
      />
      {join.error && <Alert>{join.error.message}</Alert>}
      {join.data && (
        <Section title="Join a new node">
          <p className="text-sm">
            On the new host, as root, in a clone of Horcrux (after <code>npm ci</code>), run this command. The token
            works once, until {formatDateTime(join.data.expiresAt)}.
          </p>
          <pre
            aria-label="Join command"
            className="overflow-auto rounded bg-slate-950 p-3 font-mono text-xs text-slate-100"
          >
            {join.data.command}
          </pre>
        </Section>
      )}
    </div>
  );
}
