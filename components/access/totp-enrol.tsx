'use client';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { TextField } from '@/components/ui/field';
import { FormCard } from '@/components/ui/form-card';
import { useTRPC } from '@/components/trpc';
import { text } from './form-values';

/** Enrol: show the otpauth URI (scan or type the secret), confirm with a code, show the recovery codes once. */
export function TotpEnrol({ userid, onDone }: { userid: string; onDone: () => void }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [codes, setCodes] = useState<string[] | null>(null);
  const enrol = useMutation(trpc.access.tfa.enrolTotp.mutationOptions());
  const confirm = useMutation(
    trpc.access.tfa.confirmTotp.mutationOptions({
      onSuccess: (r) => {
        setCodes(r.recoveryCodes);
        return qc.invalidateQueries({ queryKey: trpc.access.pathKey() });
      },
    }),
  );

  if (codes) {
    return (
      <Alert tone="info">
        <p className="font-medium">
          TOTP is active. Keep these recovery codes somewhere safe: each works once, and they are not shown again.
        </p>
        <ul aria-label="Recovery codes" className="mt-2 grid grid-cols-2 gap-1 font-mono">
          {codes.map((c) => (
            <li key={c}>{c}</li>
          ))}
        </ul>
        <Button className="mt-2" onClick={onDone}>
          Done
        </Button>
      </Alert>
    );
  }
  if (!enrol.data) {
    return (
      <FormCard
        title="Add TOTP"
        submit="Continue"
        busy={enrol.isPending}
        error={enrol.error?.message}
        onCancel={onDone}
        onSubmit={(f) => enrol.mutate({ userid, description: text(f, 'description') })}
      >
        <TextField label="Description" name="description" placeholder="phone" />
      </FormCard>
    );
  }
  const { id, uri, secret, qrDataUrl } = enrol.data;
  return (
    <FormCard
      title="Confirm TOTP"
      submit="Confirm"
      busy={confirm.isPending}
      error={confirm.error?.message}
      onCancel={onDone}
      onSubmit={(f) => confirm.mutate({ userid, id, code: text(f, 'code') })}
    >
      {/* eslint-disable-next-line @next/next/no-img-element -- a data URL, nothing to optimise */}
      {qrDataUrl && <img src={qrDataUrl} alt="QR code of the TOTP secret" width={200} height={200} />}
      <p className="text-sm">Scan this URI with an authenticator app, or type the secret in:</p>
      <code className="block text-xs break-all" data-testid="totp-uri">
        {uri}
      </code>
      <p className="text-sm">
        Secret: <code data-testid="totp-secret">{secret}</code>
      </p>
      <TextField label="Code" name="code" inputMode="numeric" autoComplete="one-time-code" required pattern="\d{6}" />
    </FormCard>
  );
}
