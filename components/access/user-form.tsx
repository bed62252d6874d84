'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { CheckboxField } from '@/components/ui/checkbox';
import { SelectField, TextField } from '@/components/ui/field';
import { FormCard } from '@/components/ui/form-card';
import { useTRPC } from '@/components/trpc';
import type { UserRow } from '@/server/services/access/users';
import { checked, dateInput, dateOrNull, list, text } from './form-values';

/** Creates a user (no `user`) or edits one. */
export function UserForm({ user, onDone }: { user?: UserRow; onDone: () => void }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const realms = useQuery(trpc.auth.realms.queryOptions());
  const refresh = () => qc.invalidateQueries({ queryKey: trpc.access.users.pathKey() }).then(onDone);
  const create = useMutation(trpc.access.users.create.mutationOptions({ onSuccess: refresh }));
  const update = useMutation(trpc.access.users.update.mutationOptions({ onSuccess: refresh }));
  const busy = create.isPending || update.isPending;

  const submit = (f: FormData) => {
    const fields = {
      enabled: checked(f, 'enabled'),
      expiresAt: dateOrNull(f, 'expiresAt'),
      email: text(f, 'email'),
      firstName: text(f, 'firstName'),
      lastName: text(f, 'lastName'),
      comment: text(f, 'comment'),
      groups: list(f, 'groups'),
    };
    if (user) update.mutate({ userid: user.userid, ...fields });
    else {
      const password = text(f, 'password');
      create.mutate({ userid: `${text(f, 'name')}@${text(f, 'realm')}`, ...fields, ...(password ? { password } : {}) });
    }
  };

  return (
    <FormCard
      title={user ? `Edit user ${user.userid}` : 'Add user'}
      submit={user ? 'Save' : 'Add'}
      busy={busy}
      error={(create.error ?? update.error)?.message}
      onSubmit={submit}
      onCancel={onDone}
    >
      {!user && (
        <div className="grid grid-cols-2 gap-3">
          <TextField label="User name" name="name" required />
          <SelectField label="Realm" name="realm" defaultValue="local">
            {(realms.data ?? [{ id: 'local' }]).map((r) => (
              <option key={r.id} value={r.id}>
                {r.id}
              </option>
            ))}
          </SelectField>
          <TextField
            label="Password"
            name="password"
            type="password"
            autoComplete="new-password"
            hint="local realm only; 8 characters or more"
          />
        </div>
      )}
      <div className="grid grid-cols-2 gap-3">
        <TextField label="First name" name="firstName" defaultValue={user?.firstName} />
        <TextField label="Last name" name="lastName" defaultValue={user?.lastName} />
        <TextField label="E-mail" name="email" type="email" defaultValue={user?.email} />
        <TextField
          label="Expires"
          name="expiresAt"
          type="date"
          defaultValue={dateInput(user?.expiresAt ?? null)}
          hint="empty: never"
        />
        <TextField label="Groups" name="groups" defaultValue={user?.groups.join(', ')} hint="comma-separated" />
        <TextField label="Comment" name="comment" defaultValue={user?.comment} />
      </div>
      <CheckboxField label="Enabled" name="enabled" defaultChecked={user?.enabled ?? true} />
    </FormCard>
  );
}
