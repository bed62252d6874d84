'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { DataTable, type Column } from '@/components/ui/data-table';
import { Section } from '@/components/ui/section';
import { useTRPC } from '@/components/trpc';
import type { AclRow } from '@/server/services/access/acl';
import { AclForm } from './acl-form';
import { ConfirmButton } from './confirm-button';

const COLUMNS: Column<AclRow>[] = [
  { key: 'path', header: 'Path', value: (e) => e.path },
  { key: 'type', header: 'Type', value: (e) => e.type },
  { key: 'ugid', header: 'User/Group/Token', value: (e) => e.ugid },
  { key: 'roleid', header: 'Role', value: (e) => e.roleid },
  { key: 'propagate', header: 'Propagate', value: (e) => (e.propagate ? 'yes' : 'no') },
];

export function AclPanel() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const acl = useQuery(trpc.access.acl.list.queryOptions());
  const [adding, setAdding] = useState(false);
  const revoke = useMutation(
    trpc.access.acl.revoke.mutationOptions({
      onSuccess: () => qc.invalidateQueries({ queryKey: trpc.access.acl.pathKey() }),
    }),
  );
  const error = acl.error ?? revoke.error;
  return (
    <Section title="Permissions" actions={<Button onClick={() => setAdding(true)}>Add permission</Button>}>
      {error && <Alert>{error.message}</Alert>}
      {adding && <AclForm onDone={() => setAdding(false)} />}
      <DataTable
        label="Access control list"
        rows={acl.data ?? []}
        columns={COLUMNS}
        rowKey={(e) => String(e.id)}
        empty="No entries you may see or change."
        actions={(e) =>
          e.can.delete && (
            <ConfirmButton
              label="Remove"
              what={`${e.roleid} for ${e.ugid} on ${e.path}`}
              onConfirm={() => revoke.mutate({ path: e.path, type: e.type, ugid: e.ugid, roleid: e.roleid })}
            />
          )
        }
      />
    </Section>
  );
}
