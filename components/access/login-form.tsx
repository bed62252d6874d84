'use client';
import { useQuery } from '@tanstack/react-query';
import { signIn } from 'next-auth/react';
import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { SelectField, TextField } from '@/components/ui/field';
import { useTRPC } from '@/components/trpc';

export function LoginForm() {
  const trpc = useTRPC();
  const router = useRouter();
  const realms = useQuery(trpc.auth.realms.queryOptions());
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setBusy(true);
    setError(null);
    const result = await signIn('credentials', {
      redirect: false,
      username: String(form.get('username') ?? ''),
      password: String(form.get('password') ?? ''),
      realm: String(form.get('realm') ?? 'local'),
    });
    setBusy(false);
    if (!result || result.error) {
      setError(result?.error && result.error !== 'CredentialsSignin' ? result.error : 'sign-in failed; try again');
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
      <TextField label="User name" name="username" autoComplete="username" required autoFocus />
      <TextField label="Password" name="password" type="password" autoComplete="current-password" required />
      <SelectField label="Realm" name="realm" defaultValue="local">
        {(realms.data ?? [{ id: 'local', comment: 'Horcrux authentication server', isDefault: true }]).map((r) => (
          <option key={r.id} value={r.id}>
            {r.comment ? `${r.comment} (${r.id})` : r.id}
          </option>
        ))}
      </SelectField>
      <Button type="submit" className="w-full" disabled={busy}>
        {busy ? 'Signing in…' : 'Sign in'}
      </Button>
    </form>
  );
}
