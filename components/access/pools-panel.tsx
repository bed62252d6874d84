'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { CheckboxField } from '@/components/ui/checkbox';
import { DataTable, type Column } from '@/components/ui/data-table';
import { TextField } from '@/components/ui/field';
import { FormCard } from '@/components/ui/form-card';
import { Section } from '@/components/ui/section';
import { useTRPC } from '@/components/trpc';
import type { PoolRow } from '@/server/services/access/pools';
import { ConfirmButton } from './confirm-button';
import { checked, list, text } from './form-values';

const COLUMNS: Column<PoolRow>[] = [
  { key: 'pool', header: 'Pool', value: (p) => p.pool },
  { key: 'comment', header: 'Comment', value: (p) => p.comment },
  { key: 'vms', header: 'Guests', value: (p) => p.vms.join(', ') },
  { key: 'storage', header: 'Storages', value: (p) => p.storage.join(', ') },
];

type Mode = { kind: 'add' } | { kind: 'members'; pool: string } | null;

export function PoolsPanel() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const pools = useQuery(trpc.access.pools.list.queryOptions());
  const [mode, setMode] = useState<Mode>(null);
  const refresh = () => qc.invalidateQueries({ queryKey: trpc.access.pools.pathKey() });
  const done = () => refresh().then(() => setMode(null));
  const create = useMutation(trpc.access.pools.create.mutationOptions({ onSuccess: done }));
  const members = useMutation(trpc.access.pools.members.mutationOptions({ onSuccess: done }));
  const remove = useMutation(trpc.access.pools.delete.mutationOptions({ onSuccess: refresh }));
  return (
    <Section title="Pools" actions={<Button onClick={() => setMode({ kind: 'add' })}>Add pool</Button>}>
      {(pools.error ?? remove.error) && <Alert>{(pools.error ?? remove.error)?.message}</Alert>}
      {mode?.kind === 'add' && (
        <FormCard
          title="Add pool"
          submit="Add"
          busy={create.isPending}
          error={create.error?.message}
          onCancel={() => setMode(null)}
          onSubmit={(f) => create.mutate({ pool: text(f, 'pool'), comment: text(f, 'comment') })}
        >
          <TextField label="Pool name" name="pool" required />
          <TextField label="Comment" name="comment" />
        </FormCard>
      )}
      {mode?.kind === 'members' && (
        <FormCard
          title={`Members of ${mode.pool}`}
          submit="Apply"
          busy={members.isPending}
          error={members.error?.message}
          onCancel={() => setMode(null)}
          onSubmit={(f) =>
            members.mutate({
              pool: mode.pool,
              vms: list(f, 'vms').map(Number),
              storage: list(f, 'storage'),
              remove: checked(f, 'remove'),
            })
          }
        >
          <TextField label="Guests (vmids)" name="vms" hint="comma-separated, e.g. 100, 101" />
          <TextField label="Storages" name="storage" hint="comma-separated storage ids" />
          <CheckboxField label="Remove these instead of adding them" name="remove" />
        </FormCard>
      )}
      <DataTable
        label="Pools"
        rows={pools.data ?? []}
        columns={COLUMNS}
        rowKey={(p) => p.pool}
        actions={(p) => (
          <>
            {p.can.edit && (
              <Button
                variant="secondary"
                aria-label={`Members of ${p.pool}`}
                onClick={() => setMode({ kind: 'members', pool: p.pool })}
              >
                Members
              </Button>
            )}
            {p.can.delete && (
              <ConfirmButton label="Delete" what={p.pool} onConfirm={() => remove.mutate({ pool: p.pool })} />
            )}
          </>
        )}
      />
    </Section>
  );
}
