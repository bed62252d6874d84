'use client';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { SLOT_LIMITS, type DiskSlot, type SlotBus } from '@/agent/drivers/types';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Dialog } from '@/components/ui/dialog';
import { SelectField, TextField } from '@/components/ui/field';
import { useTRPC } from '@/components/trpc';

const BUSES = Object.keys(SLOT_LIMITS) as SlotBus[];

/** The slots of `bus` not in `used` (the CD-ROM's ide2 included). */
export function freeSlots(bus: SlotBus, used: readonly string[]): DiskSlot[] {
  return Array.from({ length: SLOT_LIMITS[bus] + 1 }, (_, i) => `${bus}${i}` as DiskSlot).filter(
    (s) => !used.includes(s),
  );
}

/**
 * Proxmox's Hardware → Add → Hard Disk: a new volume in a free slot. The
 * agent creates it at once; a running VM gets it at its next start.
 */
export function AddDiskDialog({
  vmid,
  used,
  running,
  onStarted,
}: {
  vmid: number;
  /** Slots taken: disks (also pending ones) and ide2 when it holds the CD-ROM. */
  used: readonly string[];
  running: boolean;
  onStarted: (upid: string) => void;
}) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const add = useMutation(trpc.vm.addDisk.mutationOptions({ onSuccess: () => void qc.invalidateQueries() }));
  const [open, setOpen] = useState(false);
  const [bus, setBus] = useState<SlotBus>('scsi');
  const slots = freeSlots(bus, used);

  function close() {
    setOpen(false);
    add.reset();
  }

  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    add.mutate(
      {
        vmid,
        slot: String(f.get('slot')) as DiskSlot,
        storage: String(f.get('storage')),
        sizeMiB: Math.round(Number(f.get('size')) * 1024),
        format: f.get('format') === 'raw' ? 'raw' : 'qcow2',
      },
      {
        onSuccess: ({ upid }) => {
          close();
          onStarted(upid);
        },
      },
    );
  }

  return (
    <>
      <Button variant="secondary" onClick={() => setOpen(true)}>
        Add disk
      </Button>
      <Dialog open={open} title="Add disk" onClose={close}>
        <form onSubmit={submit} className="space-y-3" aria-label="Add disk">
          <div className="flex gap-3">
            <SelectField label="Bus" name="bus" value={bus} onChange={(e) => setBus(e.target.value as SlotBus)}>
              {BUSES.map((b) => (
                <option key={b}>{b}</option>
              ))}
            </SelectField>
            <SelectField label="Slot" name="slot" key={bus}>
              {slots.map((s) => (
                <option key={s}>{s}</option>
              ))}
            </SelectField>
          </div>
          <TextField label="Storage" name="storage" defaultValue="local" required pattern="[a-zA-Z][a-zA-Z0-9\-_.]*" />
          <div className="flex gap-3">
            <TextField label="Size (GiB)" name="size" type="number" min={0.001} step="any" defaultValue={32} required />
            <SelectField label="Format" name="format" defaultValue="qcow2">
              <option value="qcow2">qcow2 (snapshots)</option>
              <option value="raw">raw</option>
            </SelectField>
          </div>
          {running && (
            <p className="text-xs text-slate-500">
              The VM runs: the volume is created now and the disk attached at its next start (pending).
            </p>
          )}
          {add.error && <Alert>{add.error.message}</Alert>}
          <div className="flex justify-end gap-2">
            <Button variant="ghost" onClick={close}>
              Cancel
            </Button>
            <Button type="submit" disabled={add.isPending || slots.length === 0}>
              Add disk
            </Button>
          </div>
        </form>
      </Dialog>
    </>
  );
}
