'use client';
import { useMutation, useQuery } from '@tanstack/react-query';
import { signIn } from 'next-auth/react';
import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { TextField } from '@/components/ui/field';
import { useTRPC } from '@/components/trpc';
import { formatBytes } from '@/components/ui/format';

const STEPS = ['This host', 'Administrator', 'Confirm'] as const;

type Form = { clusterName: string; username: string; password: string; confirm: string; email: string };

export function SetupWizard() {
  const trpc = useTRPC();
  const router = useRouter();
  const facts = useQuery(trpc.setup.hostFacts.queryOptions());
  const complete = useMutation(trpc.setup.complete.mutationOptions());
  const [step, setStep] = useState(0);
  const [form, setForm] = useState<Form>({
    clusterName: 'horcrux',
    username: 'admin',
    password: '',
    confirm: '',
    email: '',
  });
  const [error, setError] = useState<string | null>(null);

  const set = (k: keyof Form) => (e: { target: { value: string } }) => setForm((f) => ({ ...f, [k]: e.target.value }));

  function next(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setError(null);
    if (step === 1 && form.password !== form.confirm) return setError('the two passwords differ');
    if (step < STEPS.length - 1) return setStep(step + 1);
    const { confirm: _confirm, ...input } = form;
    complete.mutate(input, {
      onError: (err) => setError(err.message),
      onSuccess: () => void signInAfterSetup(),
    });
  }

  async function signInAfterSetup() {
    const res = await signIn('credentials', {
      redirect: false,
      username: form.username,
      password: form.password,
      realm: 'local',
    });
    router.replace(res?.ok ? '/datacenter' : '/login');
    router.refresh();
  }

  return (
    <form
      onSubmit={next}
      aria-labelledby="setup-title"
      className="w-full max-w-lg space-y-4 rounded-lg border border-slate-200 bg-white p-6 shadow-sm dark:border-slate-800 dark:bg-slate-900"
    >
      <h1 id="setup-title" className="text-lg font-semibold">
        Welcome to Horcrux
      </h1>
      <ol className="flex gap-2 text-xs" aria-label="Setup steps">
        {STEPS.map((s, i) => (
          <li
            key={s}
            aria-current={i === step ? 'step' : undefined}
            className={i === step ? 'rounded bg-brand-600 px-2 py-0.5 text-white' : 'px-2 py-0.5 text-slate-500'}
          >
            {i + 1}. {s}
          </li>
        ))}
      </ol>
      {error && <Alert>{error}</Alert>}

      {step === 0 && (
        <section className="space-y-4" aria-label="This host">
          {facts.isPending && <p className="text-sm text-slate-500">Reading this host…</p>}
          {facts.error && <Alert>{facts.error.message}</Alert>}
          {facts.data && (
            <dl className="grid grid-cols-[8rem_1fr] gap-x-3 gap-y-1 text-sm">
              <dt className="text-slate-500">Host</dt>
              <dd>{facts.data.hostname}</dd>
              <dt className="text-slate-500">CPU</dt>
              <dd>
                {facts.data.cpus} × {facts.data.cpuModel}
              </dd>
              <dt className="text-slate-500">Memory</dt>
              <dd>{formatBytes(facts.data.memoryBytes)}</dd>
              <dt className="text-slate-500">Kernel</dt>
              <dd>{facts.data.kernel}</dd>
              <dt className="text-slate-500">KVM</dt>
              <dd data-testid="kvm-status">
                {facts.data.kvmUsable
                  ? 'usable: guests run with hardware acceleration'
                  : facts.data.kvmDevice
                    ? '/dev/kvm present but not usable: guests run under TCG emulation (slow)'
                    : 'not available: guests run under TCG emulation (slow)'}
              </dd>
            </dl>
          )}
          <TextField
            label="Cluster name"
            value={form.clusterName}
            onChange={set('clusterName')}
            required
            pattern="[A-Za-z0-9][A-Za-z0-9\-]{0,14}"
            hint="1 to 15 letters, digits or '-'"
          />
        </section>
      )}

      {step === 1 && (
        <section className="space-y-4" aria-label="Administrator">
          <TextField
            label="User name"
            value={form.username}
            onChange={set('username')}
            required
            autoComplete="username"
            hint={`signs in as ${form.username || 'name'}@local, with the Administrator role on /`}
          />
          <TextField
            label="Password"
            type="password"
            value={form.password}
            onChange={set('password')}
            required
            minLength={8}
            autoComplete="new-password"
            hint="at least 8 characters"
          />
          <TextField
            label="Confirm password"
            type="password"
            value={form.confirm}
            onChange={set('confirm')}
            required
            autoComplete="new-password"
          />
          <TextField
            label="E-mail (optional)"
            type="email"
            value={form.email}
            onChange={set('email')}
            autoComplete="email"
          />
        </section>
      )}

      {step === 2 && (
        <section aria-label="Confirm" className="text-sm">
          <p>
            Create cluster <strong>{form.clusterName}</strong> with administrator <strong>{form.username}@local</strong>
            ?
          </p>
          <p className="mt-2 text-slate-500">After this, this page is gone and everything requires sign-in.</p>
        </section>
      )}

      <div className="flex justify-between">
        <Button variant="secondary" disabled={step === 0 || complete.isPending} onClick={() => setStep(step - 1)}>
          Back
        </Button>
        <Button type="submit" disabled={complete.isPending}>
          {step < STEPS.length - 1 ? 'Next' : complete.isPending ? 'Creating…' : 'Create cluster'}
        </Button>
      </div>
    </form>
  );
}
