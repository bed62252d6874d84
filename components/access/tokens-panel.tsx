'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { CheckboxField } from '@/components/ui/checkbox';
import { DataTable, type Column } from '@/components/ui/data-table';
import { SelectField, TextField } from '@/components/ui/field';
import { FormCard } from '@/components/ui/form-card';
import { formatDateTime } from '@/components/ui/format';
import { Section } from '@/components/ui/section';
import { useTRPC } from '@/components/trpc';
import type { TokenRow } from '@/server/services/access/tokens';
import { ConfirmButton } from './confirm-button';
import { checked, dateOrNull, text } from './form-values';
import { TokenForm } from './token-form';
import { TokenSecret } from './token-secret';

const COLUMNS: Column<TokenRow>[] = [
  { key: 'tokenid', header: 'Token', value: (t) => t.tokenid },
  { key: 'privsep', header: 'Privilege separation', value: (t) => (t.privsep ? 'yes' : 'no') },
  { key: 'expires', header: 'Expires', value: (t) => (t.expiresAt ? formatDateTime(t.expiresAt) : 'never') },
  { key: 'lastUsed', header: 'Last used', value: (t) => (t.lastUsedAt ? formatDateTime(t.lastUsedAt) : '') },
  { key: 'comment', header: 'Comment', value: (t) => t.comment },
];

export function TokensPanel() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const me = useQuery(trpc.auth.me.queryOptions());
  const users = useQuery(trpc.access.users.list.queryOptions());
  const [chosen, setChosen] = useState<string | null>(null);
  const userid = chosen ?? me.data?.userid ?? '';
  const tokens = useQuery(trpc.access.tokens.list.queryOptions({ userid }, { enabled: userid !== '' }));
  const [adding, setAdding] = useState(false);
  const [editing, setEditing] = useState<TokenRow | null>(null);
  const [created, setCreated] = useState<{ tokenid: string; secret: string } | null>(null);
  const refresh = () => qc.invalidateQueries({ queryKey: trpc.access.tokens.pathKey() });
  const create = useMutation(
    trpc.access.tokens.create.mutationOptions({
      onSuccess: (r) => {
        setCreated(r);
        setAdding(false);
        return refresh();
      },
    }),
  );
  const remove = useMutation(trpc.access.tokens.delete.mutationOptions({ onSuccess: refresh }));
  const error = tokens.error ?? remove.error;

  return (
    <Section
      title="API Tokens"
      actions={
        <Button
          onClick={() => {
            setCreated(null);
            setAdding(true);
          }}
        >
          Add token
        </Button>
      }
    >
      <SelectField label="Tokens of" value={userid} onChange={(e) => setChosen(e.target.value)} className="max-w-xs">
        {(users.data ?? []).map((u) => (
          <option key={u.userid} value={u.userid}>
            {u.userid}
          </option>
        ))}
      </SelectField>
      {error && <Alert>{error.message}</Alert>}
      {created && <TokenSecret {...created} />}
      {editing && <TokenForm key={editing.tokenid} token={editing} onDone={() => setEditing(null)} />}
      {adding && (
        <FormCard
          title={`Add token for ${userid}`}
          submit="Add"
          busy={create.isPending}
          error={create.error?.message}
          onCancel={() => setAdding(false)}
          onSubmit={(f) =>
            create.mutate({
              userid,
              name: text(f, 'name'),
              comment: text(f, 'comment'),
              expiresAt: dateOrNull(f, 'expiresAt'),
              privsep: checked(f, 'privsep'),
            })
          }
        >
          <TextField
            label="Token name"
            name="name"
            required
            hint="starts with a letter: letters, digits, '.', '-', '_'"
          />
          <TextField label="Comment" name="comment" />
          <TextField label="Expires" name="expiresAt" type="date" hint="empty: never" />
          <CheckboxField label="Privilege separation" name="privsep" defaultChecked />
        </FormCard>
      )}
      <DataTable
        label="API tokens"
        rows={tokens.data ?? []}
        columns={COLUMNS}
        rowKey={(t) => t.tokenid}
        actions={(t) => (
          <>
            <Button variant="secondary" aria-label={`Edit ${t.tokenid}`} onClick={() => setEditing(t)}>
              Edit
            </Button>
            <ConfirmButton
              label="Delete"
              what={t.tokenid}
              onConfirm={() => remove.mutate({ userid: t.userid, name: t.name })}
            />
          </>
        )}
      />
    </Section>
  );
}
