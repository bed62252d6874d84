'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { DataTable, type Column } from '@/components/ui/data-table';
import { Section } from '@/components/ui/section';
import { useTRPC } from '@/components/trpc';
import type { UserRow } from '@/server/services/access/users';
import { ConfirmButton } from './confirm-button';
import { PasswordForm } from './password-form';
import { UserForm } from './user-form';

const COLUMNS: Column<UserRow>[] = [
  { key: 'userid', header: 'User', value: (u) => u.userid },
  { key: 'name', header: 'Name', value: (u) => `${u.firstName} ${u.lastName}`.trim() },
  { key: 'email', header: 'E-mail', value: (u) => u.email },
  { key: 'groups', header: 'Groups', value: (u) => u.groups.join(', ') },
  { key: 'enabled', header: 'Enabled', value: (u) => (u.enabled ? 'yes' : 'no') },
  { key: 'expires', header: 'Expires', value: (u) => (u.expiresAt ? u.expiresAt.toISOString().slice(0, 10) : 'never') },
  { key: 'tfa', header: '2FA', value: (u) => (u.tfa ? 'TOTP' : '') },
  { key: 'realm', header: 'Realm', value: (u) => `${u.realm} (${u.realmType})` },
];

type Mode = { kind: 'add' } | { kind: 'edit'; user: UserRow } | { kind: 'password'; userid: string } | null;

export function UsersPanel() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const me = useQuery(trpc.auth.me.queryOptions());
  const users = useQuery(trpc.access.users.list.queryOptions());
  const [mode, setMode] = useState<Mode>(null);
  const refresh = () => qc.invalidateQueries({ queryKey: trpc.access.users.pathKey() });
  const remove = useMutation(trpc.access.users.delete.mutationOptions({ onSuccess: refresh }));
  const resetTfa = useMutation(trpc.access.tfa.remove.mutationOptions({ onSuccess: refresh }));
  const error = users.error ?? remove.error ?? resetTfa.error;
  const done = () => setMode(null);

  return (
    <Section title="Users" actions={<Button onClick={() => setMode({ kind: 'add' })}>Add user</Button>}>
      {error && <Alert>{error.message}</Alert>}
      {mode?.kind === 'add' && <UserForm onDone={done} />}
      {mode?.kind === 'edit' && <UserForm key={mode.user.userid} user={mode.user} onDone={done} />}
      {mode?.kind === 'password' && (
        <PasswordForm userid={mode.userid} self={mode.userid === me.data?.userid} onDone={done} />
      )}
      <DataTable
        label="Users"
        rows={users.data ?? []}
        columns={COLUMNS}
        rowKey={(u) => u.userid}
        actions={(u) => (
          <>
            {u.can.edit && (
              <Button
                variant="secondary"
                aria-label={`Edit ${u.userid}`}
                onClick={() => setMode({ kind: 'edit', user: u })}
              >
                Edit
              </Button>
            )}
            {(u.can.edit || u.userid === me.data?.userid) && u.realmType === 'local' && (
              <Button
                variant="secondary"
                aria-label={`Password of ${u.userid}`}
                onClick={() => setMode({ kind: 'password', userid: u.userid })}
              >
                Password
              </Button>
            )}
            {u.can.edit && u.tfa && (
              <ConfirmButton
                label="Remove 2FA"
                what={`of ${u.userid}`}
                onConfirm={() => resetTfa.mutate({ userid: u.userid })}
              />
            )}
            {u.can.delete && u.userid !== me.data?.userid && (
              <ConfirmButton label="Delete" what={u.userid} onConfirm={() => remove.mutate({ userid: u.userid })} />
            )}
          </>
        )}
      />
    </Section>
  );
}
