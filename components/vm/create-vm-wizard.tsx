'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Dialog } from '@/components/ui/dialog';
import { SelectField, TextField } from '@/components/ui/field';
import { useTRPC } from '@/components/trpc';

const STEPS = ['General', 'OS', 'System', 'Disks', 'CPU', 'Memory', 'Network', 'Confirm'] as const;

type Spec = {
  node: string;
  vmid: string;
  name: string;
  iso: string;
  machine: 'q35' | 'i440fx';
  bios: 'seabios' | 'ovmf';
  diskBus: 'scsi' | 'virtio' | 'sata' | 'ide';
  diskGiB: string;
  diskFormat: 'qcow2' | 'raw';
  sockets: string;
  cores: string;
  memoryMiB: string;
  nic: 'virtio' | 'e1000' | 'none';
};

const DEFAULTS: Omit<Spec, 'node' | 'vmid'> = {
  name: '',
  iso: '',
  machine: 'q35',
  bios: 'seabios',
  diskBus: 'scsi',
  diskGiB: '8',
  diskFormat: 'qcow2',
  sockets: '1',
  cores: '1',
  memoryMiB: '2048',
  nic: 'virtio',
};

/** Proxmox's create-VM wizard: one step per tab, sensible defaults, a summary before creating. */
export function CreateVmWizard({ open, onClose }: { open: boolean; onClose: () => void }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const router = useRouter();
  const nodes = useQuery(trpc.node.list.queryOptions(undefined, { enabled: open }));
  const nextId = useQuery(trpc.vm.nextId.queryOptions(undefined, { enabled: open }));
  const [step, setStep] = useState(0);
  const [spec, setSpec] = useState<Partial<Spec>>({});
  const node = spec.node ?? nodes.data?.find((n) => n.status === 'online')?.name ?? nodes.data?.[0]?.name ?? '';
  const isos = useQuery(
    trpc.node.volumes.queryOptions(
      { node: node || 'none', storage: 'local', content: 'iso' },
      { enabled: open && node !== '' },
    ),
  );
  const create = useMutation(trpc.vm.create.mutationOptions());
  const v: Spec = { ...DEFAULTS, node, vmid: String(nextId.data ?? ''), ...spec } as Spec;
  const set = (k: keyof Spec) => (e: { target: { value: string } }) => setSpec((s) => ({ ...s, [k]: e.target.value }));

  function close() {
    setStep(0);
    setSpec({});
    create.reset();
    onClose();
  }

  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    if (step < STEPS.length - 1) return setStep(step + 1);
    const vmid = Number(v.vmid);
    const slot = `${v.diskBus}0`;
    create.mutate(
      {
        node: v.node,
        vmid,
        name: v.name,
        sockets: Number(v.sockets),
        cores: Number(v.cores),
        memoryMiB: Number(v.memoryMiB),
        machine: v.machine,
        bios: v.bios,
        disks:
          Number(v.diskGiB) > 0
            ? [
                {
                  slot: slot as 'scsi0',
                  storage: 'local',
                  sizeMiB: Math.round(Number(v.diskGiB) * 1024),
                  format: v.diskFormat,
                },
              ]
            : [],
        cdrom: v.iso ? { volume: v.iso } : null,
        nics: v.nic === 'none' ? [] : [{ model: v.nic }],
      },
      {
        onSuccess: () => {
          void qc.invalidateQueries();
          close();
          router.push(`/vms/${vmid}`);
        },
      },
    );
  }

  const name = STEPS[step];
  return (
    <Dialog open={open} title="Create: Virtual Machine" onClose={close} wide>
      <form onSubmit={submit} className="space-y-4" aria-label="Create virtual machine">
        <ol className="flex flex-wrap gap-1 text-xs" aria-label="Wizard steps">
          {STEPS.map((s, i) => (
            <li key={s}>
              <button
                type="button"
                aria-current={i === step ? 'step' : undefined}
                onClick={() => i < step && setStep(i)}
                className={i === step ? 'rounded bg-brand-600 px-2 py-0.5 text-white' : 'px-2 py-0.5 text-slate-500'}
              >
                {s}
              </button>
            </li>
          ))}
        </ol>
        {create.error && <Alert>{create.error.message}</Alert>}
        {name === 'General' && (
          <div className="grid grid-cols-2 gap-3">
            <SelectField label="Node" value={v.node} onChange={set('node')} required>
              {(nodes.data ?? []).map((n) => (
                <option key={n.name} value={n.name}>
                  {n.name} ({n.status})
                </option>
              ))}
            </SelectField>
            <TextField label="VM ID" type="number" min={100} value={v.vmid} onChange={set('vmid')} required />
            <TextField
              label="Name"
              value={v.name}
              onChange={set('name')}
              required
              pattern="[A-Za-z0-9]([A-Za-z0-9\-.]*[A-Za-z0-9])?"
              hint="a DNS name: letters, digits, '-' and '.'"
            />
          </div>
        )}
        {name === 'OS' && (
          <SelectField label="ISO image" value={v.iso} onChange={set('iso')}>
            <option value="">Do not use any media</option>
            {(isos.data ?? []).map((i) => (
              <option key={i.volid} value={i.volid}>
                {i.volid}
              </option>
            ))}
          </SelectField>
        )}
        {name === 'System' && (
          <div className="grid grid-cols-2 gap-3">
            <SelectField label="Machine" value={v.machine} onChange={set('machine')}>
              <option value="q35">q35</option>
              <option value="i440fx">i440fx</option>
            </SelectField>
            <SelectField label="BIOS" value={v.bios} onChange={set('bios')}>
              <option value="seabios">SeaBIOS</option>
              <option value="ovmf">OVMF (UEFI)</option>
            </SelectField>
          </div>
        )}
        {name === 'Disks' && (
          <div className="grid grid-cols-3 gap-3">
            <SelectField label="Bus" value={v.diskBus} onChange={set('diskBus')}>
              <option value="scsi">SCSI</option>
              <option value="virtio">VirtIO Block</option>
              <option value="sata">SATA</option>
              <option value="ide">IDE</option>
            </SelectField>
            <TextField
              label="Disk size (GiB)"
              type="number"
              min={0}
              step="any"
              value={v.diskGiB}
              onChange={set('diskGiB')}
              required
              hint="0: no disk"
            />
            <SelectField label="Format" value={v.diskFormat} onChange={set('diskFormat')}>
              <option value="qcow2">QEMU image (qcow2)</option>
              <option value="raw">Raw disk image</option>
            </SelectField>
          </div>
        )}
        {name === 'CPU' && (
          <div className="grid grid-cols-2 gap-3">
            <TextField
              label="Sockets"
              type="number"
              min={1}
              max={16}
              value={v.sockets}
              onChange={set('sockets')}
              required
            />
            <TextField label="Cores" type="number" min={1} max={512} value={v.cores} onChange={set('cores')} required />
          </div>
        )}
        {name === 'Memory' && (
          <TextField
            label="Memory (MiB)"
            type="number"
            min={16}
            value={v.memoryMiB}
            onChange={set('memoryMiB')}
            required
          />
        )}
        {name === 'Network' && (
          <SelectField label="Network device" value={v.nic} onChange={set('nic')}>
            <option value="virtio">VirtIO (paravirtualized), user-mode networking</option>
            <option value="e1000">Intel E1000, user-mode networking</option>
            <option value="none">No network device</option>
          </SelectField>
        )}
        {name === 'Confirm' && (
          <dl aria-label="Summary" className="grid grid-cols-[8rem_1fr] gap-x-3 gap-y-1 text-sm">
            {(
              [
                ['Node', v.node],
                ['VM ID', v.vmid],
                ['Name', v.name],
                ['ISO', v.iso || 'none'],
                ['System', `${v.machine}, ${v.bios}`],
                ['Disk', Number(v.diskGiB) > 0 ? `${v.diskBus}0, ${v.diskGiB} GiB ${v.diskFormat}` : 'none'],
                ['CPU', `${v.sockets} socket(s) × ${v.cores} core(s)`],
                ['Memory', `${v.memoryMiB} MiB`],
                ['Network', v.nic],
              ] as const
            ).map(([k, val]) => (
              <div key={k} className="contents">
                <dt className="text-slate-500">{k}</dt>
                <dd>{val}</dd>
              </div>
            ))}
          </dl>
        )}
        <div className="flex justify-between">
          <Button variant="secondary" disabled={step === 0} onClick={() => setStep(step - 1)}>
            Back
          </Button>
          <Button type="submit" disabled={create.isPending || (step === 0 && !v.node)}>
            {step < STEPS.length - 1 ? 'Next' : create.isPending ? 'Creating…' : 'Finish'}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
