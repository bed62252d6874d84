'use client';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { FormEvent } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { SelectField, TextField } from '@/components/ui/field';
import { useTRPC } from '@/components/trpc';

/** Grows a disk of a stopped VM (disks never shrink, as in Proxmox). */
export function DiskResize({ vmid, slots, running }: { vmid: number; slots: string[]; running: boolean }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const resize = useMutation(trpc.vm.resize.mutationOptions({ onSuccess: () => void qc.invalidateQueries() }));
  if (slots.length === 0) return null;
  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    resize.mutate({ vmid, slot: String(f.get('slot')) as 'scsi0', sizeMiB: Math.round(Number(f.get('size')) * 1024) });
  }
  return (
    <form onSubmit={submit} aria-label="Resize disk" className="flex max-w-xl items-end gap-3">
      <SelectField label="Disk" name="slot">
        {slots.map((s) => (
          <option key={s}>{s}</option>
        ))}
      </SelectField>
      <TextField label="New size (GiB)" name="size" type="number" min={0.001} step="any" required />
      <Button
        type="submit"
        variant="secondary"
        disabled={resize.isPending || running}
        title={running ? 'stop the VM first' : undefined}
      >
        Resize disk
      </Button>
      {resize.error && <Alert>{resize.error.message}</Alert>}
    </form>
  );
}
