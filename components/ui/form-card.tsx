import type { FormEvent, ReactNode } from 'react';
import { Alert } from './alert';
import { Button } from './button';

/** A bordered form with a title, an error line and a submit button. */
export function FormCard({
  title,
  submit,
  busy,
  error,
  onSubmit,
  onCancel,
  children,
}: {
  title: string;
  submit: string;
  busy?: boolean;
  error?: string | null;
  onSubmit: (form: FormData) => void;
  onCancel?: () => void;
  children: ReactNode;
}) {
  const handle = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    onSubmit(new FormData(e.currentTarget));
  };
  return (
    <form
      aria-label={title}
      onSubmit={handle}
      className="max-w-xl space-y-3 rounded border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900"
    >
      <h3 className="text-sm font-semibold">{title}</h3>
      {error && <Alert>{error}</Alert>}
      {children}
      <div className="flex gap-2">
        <Button type="submit" disabled={busy}>
          {submit}
        </Button>
        {onCancel && (
          <Button variant="secondary" onClick={onCancel}>
            Cancel
          </Button>
        )}
      </div>
    </form>
  );
}
