'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { DataTable, type Column } from '@/components/ui/data-table';
import { Section } from '@/components/ui/section';
import { useTRPC } from '@/components/trpc';
import type { RealmRow } from '@/server/services/access/realms';
import { ConfirmButton } from './confirm-button';
import { RealmForm } from './realm-form';

const COLUMNS: Column<RealmRow>[] = [
  { key: 'realm', header: 'Realm', value: (r) => r.realm },
  { key: 'type', header: 'Type', value: (r) => r.type },
  { key: 'issuer', header: 'Issuer', value: (r) => r.oidc?.issuerUrl ?? '' },
  { key: 'default', header: 'Default', value: (r) => (r.isDefault ? 'yes' : '') },
  { key: 'comment', header: 'Comment', value: (r) => r.comment },
];

export function RealmsPanel() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const realms = useQuery(trpc.access.realms.list.queryOptions());
  const [editing, setEditing] = useState<RealmRow | 'new' | null>(null);
  const remove = useMutation(
    trpc.access.realms.delete.mutationOptions({
      onSuccess: () => qc.invalidateQueries({ queryKey: trpc.access.realms.pathKey() }),
    }),
  );
  return (
    <Section title="Realms" actions={<Button onClick={() => setEditing('new')}>Add OIDC realm</Button>}>
      {(realms.error ?? remove.error) && <Alert>{(realms.error ?? remove.error)?.message}</Alert>}
      {editing && (
        <RealmForm
          key={editing === 'new' ? 'new' : editing.realm}
          realm={editing === 'new' ? undefined : editing}
          onDone={() => setEditing(null)}
        />
      )}
      <DataTable
        label="Realms"
        rows={realms.data ?? []}
        columns={COLUMNS}
        rowKey={(r) => r.realm}
        actions={(r) =>
          r.can.edit && (
            <>
              <Button variant="secondary" aria-label={`Edit ${r.realm}`} onClick={() => setEditing(r)}>
                Edit
              </Button>
              <ConfirmButton label="Delete" what={r.realm} onConfirm={() => remove.mutate({ realm: r.realm })} />
            </>
          )
        }
      />
    </Section>
  );
}
