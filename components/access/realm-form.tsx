'use client';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { CheckboxField } from '@/components/ui/checkbox';
import { TextField } from '@/components/ui/field';
import { FormCard } from '@/components/ui/form-card';
import { useTRPC } from '@/components/trpc';
import type { RealmRow } from '@/server/services/access/realms';
import { checked, text } from './form-values';

/** Creates or edits an OIDC realm. The client secret is write-only: empty keeps the stored one. */
export function RealmForm({ realm, onDone }: { realm?: RealmRow; onDone: () => void }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const done = () => qc.invalidateQueries({ queryKey: trpc.access.realms.pathKey() }).then(onDone);
  const create = useMutation(trpc.access.realms.createOidc.mutationOptions({ onSuccess: done }));
  const update = useMutation(trpc.access.realms.updateOidc.mutationOptions({ onSuccess: done }));
  const o = realm?.oidc;
  return (
    <FormCard
      title={realm ? `Edit realm ${realm.realm}` : 'Add OpenID Connect realm'}
      submit={realm ? 'Save' : 'Add'}
      busy={create.isPending || update.isPending}
      error={(create.error ?? update.error)?.message}
      onCancel={onDone}
      onSubmit={(f) => {
        const secret = text(f, 'clientSecret');
        const input = {
          realm: realm?.realm ?? text(f, 'realm'),
          comment: text(f, 'comment'),
          issuerUrl: text(f, 'issuerUrl'),
          clientId: text(f, 'clientId'),
          ...(secret || !realm ? { clientSecret: secret } : {}),
          usernameClaim: text(f, 'usernameClaim') || 'sub',
          groupsClaim: text(f, 'groupsClaim'),
          scopes: text(f, 'scopes'),
          autoCreate: checked(f, 'autoCreate'),
          isDefault: checked(f, 'isDefault'),
        };
        if (realm) update.mutate(input);
        else create.mutate(input);
      }}
    >
      <div className="grid grid-cols-2 gap-3">
        {!realm && <TextField label="Realm" name="realm" required />}
        <TextField label="Issuer URL" name="issuerUrl" required type="url" defaultValue={o?.issuerUrl} />
        <TextField label="Client ID" name="clientId" required defaultValue={o?.clientId} />
        <TextField
          label="Client secret"
          name="clientSecret"
          type="password"
          autoComplete="off"
          hint={o?.hasClientSecret ? 'stored; leave empty to keep it' : 'empty for a public client'}
        />
        <TextField label="Username claim" name="usernameClaim" defaultValue={o?.usernameClaim ?? 'sub'} />
        <TextField
          label="Groups claim"
          name="groupsClaim"
          defaultValue={o?.groupsClaim}
          hint="optional: memberships follow this claim"
        />
        <TextField label="Scopes" name="scopes" defaultValue={o?.scopes ?? 'email profile'} />
        <TextField label="Comment" name="comment" defaultValue={realm?.comment} hint="shown on the login page" />
      </div>
      <CheckboxField label="Create users automatically" name="autoCreate" defaultChecked={o?.autoCreate ?? false} />
      <CheckboxField label="Default realm" name="isDefault" defaultChecked={realm?.isDefault ?? false} />
    </FormCard>
  );
}
