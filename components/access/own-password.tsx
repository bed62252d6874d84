'use client';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Section } from '@/components/ui/section';
import { useTRPC } from '@/components/trpc';
import { PasswordForm } from './password-form';

/** Every local user may change their own password (with the current one). */
export function OwnPassword() {
  const trpc = useTRPC();
  const me = useQuery(trpc.auth.me.queryOptions());
  const [open, setOpen] = useState(false);
  const [done, setDone] = useState(false);
  const userid = me.data?.userid;
  if (!userid || !userid.endsWith('@local')) return null;
  return (
    <Section
      title="Password"
      actions={
        !open && (
          <Button
            variant="secondary"
            onClick={() => {
              setDone(false);
              setOpen(true);
            }}
          >
            Change password
          </Button>
        )
      }
    >
      {done && <Alert tone="info">Password changed; your other sessions were signed out.</Alert>}
      {open && (
        <PasswordForm
          userid={userid}
          self
          onDone={() => setOpen(false)}
          onSaved={() => {
            setOpen(false);
            setDone(true);
          }}
        />
      )}
    </Section>
  );
}
