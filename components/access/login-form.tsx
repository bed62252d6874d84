'use client';
import { useQuery } from '@tanstack/react-query';
import { signIn } from 'next-auth/react';
import { useRouter, useSearchParams } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { SelectField, TextField } from '@/components/ui/field';
import { useTRPC } from '@/components/trpc';

// The server's "second factor required: ..." messages (server/services/access/sign-in.ts).
const SECOND_FACTOR = /^second factor required/;

export function LoginForm() {
  const trpc = useTRPC();
  const router = useRouter();
  const params = useSearchParams();
  const realms = useQuery(trpc.auth.realms.queryOptions());
  const [error, setError] = useState<string | null>(params.get('error'));
  const [busy, setBusy] = useState(false);
  const [needCode, setNeedCode] = useState(false);
  const [realm, setRealm] = useState<string | null>(null);
  const list = realms.data ?? [
    { id: 'local', type: 'local', comment: 'Horcrux authentication server', isDefault: true },
  ];
  const chosen = list.find((r) => r.id === realm) ?? list.find((r) => r.isDefault) ?? list[0];

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setBusy(true);
    setError(null);
    const result = await signIn('credentials', {
      redirect: false,
      username: String(form.get('username') ?? ''),
      password: String(form.get('password') ?? ''),
      realm: chosen?.id ?? 'local',
      otp: String(form.get('otp') ?? ''),
    });
    setBusy(false);
    if (!result || result.error) {
      const message =
        result?.error && result.error !== 'CredentialsSignin' ? result.error : 'sign-in failed; try again';
      if (SECOND_FACTOR.test(message)) setNeedCode(true);
      setError(message);
      return;
    }
    router.replace('/datacenter');
    router.refresh();
  }

  return (
    <form
      onSubmit={(e) => void submit(e)}
      className="w-full max-w-sm space-y-4 rounded-lg border border-slate-200 bg-white p-6 shadow-sm dark:border-slate-800 dark:bg-slate-900"
      aria-labelledby="login-title"
    >
      <h1 id="login-title" className="text-lg font-semibold">
        Sign in to Horcrux
      </h1>
      {error && <Alert>{error}</Alert>}
      <SelectField label="Realm" name="realm" value={chosen?.id ?? 'local'} onChange={(e) => setRealm(e.target.value)}>
        {list.map((r) => (
          <option key={r.id} value={r.id}>
            {r.comment ? `${r.comment} (${r.id})` : r.id}
          </option>
        ))}
      </SelectField>
      {chosen?.type === 'oidc' ? (
        <a
          href={`/api/auth/oidc/login?realm=${encodeURIComponent(chosen.id)}`}
          className="bg-brand-600 hover:bg-brand-700 block w-full rounded px-3 py-1.5 text-center text-sm font-medium text-white"
        >
          Sign in with {chosen.comment || chosen.id}
        </a>
      ) : (
        <>
          <TextField label="User name" name="username" autoComplete="username" required autoFocus />
          <TextField label="Password" name="password" type="password" autoComplete="current-password" required />
          {needCode && (
            <TextField
              label="Verification code"
              name="otp"
              autoComplete="one-time-code"
              required
              autoFocus
              hint="the 6-digit code from your authenticator app, or a recovery code"
            />
          )}
          <Button type="submit" className="w-full" disabled={busy}>
            {busy ? 'Signing in…' : 'Sign in'}
          </Button>
        </>
      )}
    </form>
  );
}
