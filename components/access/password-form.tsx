'use client';
import { useMutation } from '@tanstack/react-query';
import { TextField } from '@/components/ui/field';
import { FormCard } from '@/components/ui/form-card';
import { useTRPC } from '@/components/trpc';
import { text } from './form-values';

/** Sets a user's password; one's own needs the current one. */
export function PasswordForm({
  userid,
  self,
  onDone,
  onSaved,
}: {
  userid: string;
  self: boolean;
  onDone: () => void;
  onSaved?: () => void;
}) {
  const trpc = useTRPC();
  const change = useMutation(trpc.access.users.changePassword.mutationOptions({ onSuccess: onSaved ?? onDone }));
  return (
    <FormCard
      title={`Password of ${userid}`}
      submit="Set password"
      busy={change.isPending}
      error={change.error?.message}
      onCancel={onDone}
      onSubmit={(f) =>
        change.mutate({
          userid,
          password: text(f, 'password'),
          ...(self ? { currentPassword: text(f, 'current') } : {}),
        })
      }
    >
      {self && (
        <TextField label="Current password" name="current" type="password" autoComplete="current-password" required />
      )}
      <TextField
        label="New password"
        name="password"
        type="password"
        autoComplete="new-password"
        required
        minLength={8}
      />
    </FormCard>
  );
}
