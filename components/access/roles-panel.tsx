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
import { PRIVILEGES } from '@/server/access/privileges';
import type { RoleRow } from '@/server/services/access/custom-roles';
import { ConfirmButton } from './confirm-button';
import { text } from './form-values';

const COLUMNS: Column<RoleRow>[] = [
  { key: 'roleid', header: 'Role', value: (r) => r.roleid },
  { key: 'builtin', header: 'Built-in', value: (r) => (r.builtin ? 'yes' : 'no') },
  { key: 'privileges', header: 'Privileges', value: (r) => r.privileges.join(' '), className: 'text-xs' },
];

export function RolesPanel() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const roles = useQuery(trpc.access.roles.list.queryOptions());
  const [editing, setEditing] = useState<RoleRow | 'new' | null>(null);
  const refresh = () => qc.invalidateQueries({ queryKey: trpc.access.roles.pathKey() });
  const done = () => refresh().then(() => setEditing(null));
  const create = useMutation(trpc.access.roles.create.mutationOptions({ onSuccess: done }));
  const update = useMutation(trpc.access.roles.update.mutationOptions({ onSuccess: done }));
  const remove = useMutation(trpc.access.roles.delete.mutationOptions({ onSuccess: refresh }));
  const canCreate = roles.data?.some((r) => !r.builtin && r.can.edit) ?? false;

  return (
    <Section title="Roles" actions={<Button onClick={() => setEditing('new')}>Add role</Button>}>
      {(roles.error ?? remove.error) && <Alert>{(roles.error ?? remove.error)?.message}</Alert>}
      {!canCreate && (
        <p className="text-xs text-slate-500">
          Custom roles need Sys.Modify on /access. Built-in roles cannot be changed.
        </p>
      )}
      {editing && (
        <FormCard
          key={editing === 'new' ? 'new' : editing.roleid}
          title={editing === 'new' ? 'Add role' : `Edit role ${editing.roleid}`}
          submit={editing === 'new' ? 'Add' : 'Save'}
          busy={create.isPending || update.isPending}
          error={(create.error ?? update.error)?.message}
          onCancel={() => setEditing(null)}
          onSubmit={(f) => {
            const input = {
              roleid: editing === 'new' ? text(f, 'roleid') : editing.roleid,
              privileges: PRIVILEGES.filter((p) => f.get(p) === 'on'),
            };
            if (editing === 'new') create.mutate(input);
            else update.mutate(input);
          }}
        >
          {editing === 'new' && <TextField label="Role name" name="roleid" required />}
          <fieldset className="grid grid-cols-3 gap-1">
            <legend className="mb-1 text-sm font-medium">Privileges</legend>
            {PRIVILEGES.map((p) => (
              <CheckboxField
                key={p}
                label={p}
                name={p}
                defaultChecked={editing !== 'new' && editing.privileges.includes(p)}
              />
            ))}
          </fieldset>
        </FormCard>
      )}
      <DataTable
        label="Roles"
        rows={roles.data ?? []}
        columns={COLUMNS}
        rowKey={(r) => r.roleid}
        actions={(r) => (
          <>
            {r.can.edit && (
              <Button variant="secondary" aria-label={`Edit ${r.roleid}`} onClick={() => setEditing(r)}>
                Edit
              </Button>
            )}
            {r.can.delete && (
              <ConfirmButton label="Delete" what={r.roleid} onConfirm={() => remove.mutate({ roleid: r.roleid })} />
            )}
          </>
        )}
      />
    </Section>
  );
}
