'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { DataTable, type Column } from '@/components/ui/data-table';
import { formatDateTime } from '@/components/ui/format';
import { Section } from '@/components/ui/section';
import { useTRPC } from '@/components/trpc';
import type { TfaRow } from '@/server/services/access/tfa';
import { ConfirmButton } from './confirm-button';
import { TotpEnrol } from './totp-enrol';

const COLUMNS: Column<TfaRow>[] = [
  { key: 'type', header: 'Type', value: (f) => (f.type === 'totp' ? 'TOTP' : 'Recovery codes') },
  { key: 'description', header: 'Description', value: (f) => f.description },
  {
    key: 'state',
    header: 'State',
    value: (f) => (f.type === 'recovery' ? `${f.remaining} left` : f.confirmed ? 'active' : 'not confirmed'),
  },
  { key: 'created', header: 'Created', value: (f) => formatDateTime(f.createdAt) },
];

/** The caller's own second factors. Administrators remove other users' factors from the Users tab. */
export function TfaPanel() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const me = useQuery(trpc.auth.me.queryOptions());
  const userid = me.data?.userid ?? '';
  const factors = useQuery(trpc.access.tfa.list.queryOptions({ userid }, { enabled: userid !== '' }));
  const [enrolling, setEnrolling] = useState(false);
  const remove = useMutation(
    trpc.access.tfa.remove.mutationOptions({
      onSuccess: () => qc.invalidateQueries({ queryKey: trpc.access.pathKey() }),
    }),
  );
  const hasTotp = factors.data?.some((f) => f.type === 'totp' && f.confirmed) ?? false;
  return (
    <Section
      title="Two Factor"
      actions={!hasTotp && !enrolling && <Button onClick={() => setEnrolling(true)}>Add TOTP</Button>}
    >
      {(factors.error ?? remove.error) && <Alert>{(factors.error ?? remove.error)?.message}</Alert>}
      {enrolling && userid && <TotpEnrol userid={userid} onDone={() => setEnrolling(false)} />}
      <DataTable
        label="Second factors"
        rows={factors.data ?? []}
        columns={COLUMNS}
        rowKey={(f) => f.id}
        empty="No second factor: sign-in needs only the password."
        actions={(f) =>
          f.type === 'totp' && (
            <ConfirmButton
              label="Remove"
              what={`TOTP ${f.description}`.trim()}
              onConfirm={() => remove.mutate({ userid, id: f.id })}
            />
          )
        }
      />
    </Section>
  );
}
