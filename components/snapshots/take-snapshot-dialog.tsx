'use client';
import { useState, type FormEvent } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { CheckboxField } from '@/components/ui/checkbox';
import { Dialog } from '@/components/ui/dialog';
import { TextField } from '@/components/ui/field';

/** Proxmox's rule for snapshot names, checked again by the agent. */
const NAME = /^[a-zA-Z][a-zA-Z0-9_-]*$/;

export function snapshotNameError(name: string, taken: readonly string[]): string | null {
  if (name === '') return null;
  if (name.length > 40) return 'at most 40 characters';
  if (!NAME.test(name)) return 'start with a letter; letters, digits, - and _ only';
  if (name === 'current') return "'current' is reserved for the present state";
  if (taken.includes(name)) return 'a snapshot with this name exists already';
  return null;
}

/** Name, description, and RAM state when the guest runs. */
export function TakeSnapshotDialog({
  open,
  onClose,
  onSubmit,
  taken,
  withMemory,
  pending,
  error,
}: {
  open: boolean;
  onClose: () => void;
  onSubmit: (v: { name: string; description: string; vmstate: boolean }) => void;
  taken: readonly string[];
  /** RAM state can be included (the guest runs). */
  withMemory: boolean;
  pending: boolean;
  error: string | null;
}) {
  const [name, setName] = useState('');
  const nameError = snapshotNameError(name, taken);
  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    onSubmit({ name, description: String(f.get('description') ?? ''), vmstate: f.get('vmstate') === 'on' });
  }
  return (
    <Dialog open={open} title="Take snapshot" onClose={onClose}>
      <form onSubmit={submit} className="space-y-3" aria-label="Take snapshot">
        <TextField
          label="Name"
          name="name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          required
          maxLength={40}
          autoFocus
          error={nameError}
          hint="Letters, digits, - and _, starting with a letter"
        />
        <div className="space-y-1">
          <label htmlFor="snapshot-description" className="block text-sm font-medium">
            Description
          </label>
          <textarea
            id="snapshot-description"
            name="description"
            rows={3}
            maxLength={8192}
            className="w-full rounded border border-slate-300 bg-white px-2.5 py-1.5 text-sm dark:border-slate-600 dark:bg-slate-900"
          />
        </div>
        {withMemory ? (
          <CheckboxField label="Include RAM" name="vmstate" defaultChecked />
        ) : (
          <p className="text-xs text-slate-500">The guest is stopped: the snapshot holds its disks only.</p>
        )}
        {error && <Alert>{error}</Alert>}
        <div className="flex justify-end gap-2">
          <Button variant="ghost" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" disabled={pending || name === '' || nameError !== null}>
            Take snapshot
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
