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
import { TextField } from '@/components/ui/field';
import { FormCard } from '@/components/ui/form-card';
import { text } from './form-values';
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
  const [removing, setRemoving] = useState<TfaRow | null>(null);
  const remove = useMutation(
    trpc.access.tfa.remove.mutationOptions({
      onSuccess: () => {
        setRemoving(null);
        return qc.invalidateQueries({ queryKey: trpc.access.pathKey() });
      },
    }),
  );
  const hasTotp = factors.data?.some((f) => f.type === 'totp' && f.confirmed) ?? false;
  return (
    <Section
      title="Two Factor"
      actions={!hasTotp && !enrolling && <Button onClick={() => setEnrolling(true)}>Add TOTP</Button>}
    >
      {factors.error && <Alert>{factors.error.message}</Alert>}
      {removing && (
        <FormCard
          title="Remove second factor"
          submit="Remove"
          busy={remove.isPending}
          error={remove.error?.message}
          onCancel={() => setRemoving(null)}
          onSubmit={(f) => remove.mutate({ userid, id: removing.id, password: text(f, 'password') })}
        >
          <TextField
            label="Current password"
            name="password"
            type="password"
            autoComplete="current-password"
            required
          />
        </FormCard>
      )}
      {enrolling && userid && <TotpEnrol userid={userid} onDone={() => setEnrolling(false)} />}
      <DataTable
        label="Second factors"
        rows={factors.data ?? []}
        columns={COLUMNS}
        rowKey={(f) => f.id}
        empty="No second factor: sign-in needs only the password."
        actions={(f) =>
          f.type === 'totp' && (
            <Button
              variant="secondary"
              aria-label={`Remove TOTP ${f.description}`.trim()}
              onClick={() => setRemoving(f)}
            >
              Remove
            </Button>
          )
        }
      />
    </Section>
  );
}
