'use client';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { CheckboxField } from '@/components/ui/checkbox';
import { TextField } from '@/components/ui/field';
import { FormCard } from '@/components/ui/form-card';
import { useTRPC } from '@/components/trpc';
import type { TokenRow } from '@/server/services/access/tokens';
import { checked, dateInput, dateOrNull, text } from './form-values';

/** Changes a token's comment, expiry and privilege separation; the secret stays. */
export function TokenForm({ token, onDone }: { token: TokenRow; onDone: () => void }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const update = useMutation(
    trpc.access.tokens.update.mutationOptions({
      onSuccess: () => qc.invalidateQueries({ queryKey: trpc.access.tokens.pathKey() }).then(onDone),
    }),
  );
  return (
    <FormCard
      title={`Edit token ${token.tokenid}`}
      submit="Save"
      busy={update.isPending}
      error={update.error?.message}
      onCancel={onDone}
      onSubmit={(f) =>
        update.mutate({
          userid: token.userid,
          name: token.name,
          comment: text(f, 'comment'),
          expiresAt: dateOrNull(f, 'expiresAt'),
          privsep: checked(f, 'privsep'),
        })
      }
    >
      <TextField label="Comment" name="comment" defaultValue={token.comment} />
      <TextField
        label="Expires"
        name="expiresAt"
        type="date"
        defaultValue={dateInput(token.expiresAt)}
        hint="empty: never"
      />
      <CheckboxField label="Privilege separation" name="privsep" defaultChecked={token.privsep} />
    </FormCard>
  );
}
