'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { DataTable, type Column } from '@/components/ui/data-table';
import { TextField } from '@/components/ui/field';
import { FormCard } from '@/components/ui/form-card';
import { Section } from '@/components/ui/section';
import { useTRPC } from '@/components/trpc';
import type { GroupRow } from '@/server/services/access/groups';
import { ConfirmButton } from './confirm-button';
import { text } from './form-values';

const COLUMNS: Column<GroupRow>[] = [
  { key: 'group', header: 'Group', value: (g) => g.group },
  { key: 'comment', header: 'Comment', value: (g) => g.comment },
  { key: 'members', header: 'Members', value: (g) => g.members.join(', ') },
];

export function GroupsPanel() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const groups = useQuery(trpc.access.groups.list.queryOptions());
  const [editing, setEditing] = useState<GroupRow | 'new' | null>(null);
  const refresh = () => qc.invalidateQueries({ queryKey: trpc.access.groups.pathKey() });
  const done = () => refresh().then(() => setEditing(null));
  const create = useMutation(trpc.access.groups.create.mutationOptions({ onSuccess: done }));
  const update = useMutation(trpc.access.groups.update.mutationOptions({ onSuccess: done }));
  const remove = useMutation(trpc.access.groups.delete.mutationOptions({ onSuccess: refresh }));

  return (
    <Section title="Groups" actions={<Button onClick={() => setEditing('new')}>Add group</Button>}>
      {(groups.error ?? remove.error) && <Alert>{(groups.error ?? remove.error)?.message}</Alert>}
      {editing && (
        <FormCard
          key={editing === 'new' ? 'new' : editing.group}
          title={editing === 'new' ? 'Add group' : `Edit group ${editing.group}`}
          submit={editing === 'new' ? 'Add' : 'Save'}
          busy={create.isPending || update.isPending}
          error={(create.error ?? update.error)?.message}
          onCancel={() => setEditing(null)}
          onSubmit={(f) => {
            const input = { group: editing === 'new' ? text(f, 'group') : editing.group, comment: text(f, 'comment') };
            if (editing === 'new') create.mutate(input);
            else update.mutate(input);
          }}
        >
          {editing === 'new' && <TextField label="Group name" name="group" required />}
          <TextField label="Comment" name="comment" defaultValue={editing === 'new' ? '' : editing.comment} />
        </FormCard>
      )}
      <DataTable
        label="Groups"
        rows={groups.data ?? []}
        columns={COLUMNS}
        rowKey={(g) => g.group}
        actions={(g) => (
          <>
            {g.can.edit && (
              <Button variant="secondary" aria-label={`Edit ${g.group}`} onClick={() => setEditing(g)}>
                Edit
              </Button>
            )}
            {g.can.delete && (
              <ConfirmButton label="Delete" what={g.group} onConfirm={() => remove.mutate({ group: g.group })} />
            )}
          </>
        )}
      />
    </Section>
  );
}
