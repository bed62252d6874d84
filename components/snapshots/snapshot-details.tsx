'use client';
import { useState } from 'react';
import { ConfirmButton } from '@/components/access/confirm-button';
import { Button } from '@/components/ui/button';
import type { TreeSnapshot } from './tree-layout';

/** `hardware`: the one-line summary of the VM config the snapshot recorded; null in records without one. */
export type DetailsSnapshot = TreeSnapshot & { missingOn: string[]; hardware: string | null };

/** The selected snapshot: its facts, its description (editable), rollback and delete. */
export function SnapshotDetails({
  snap,
  isCurrent,
  can,
  busy,
  onRollback,
  onDelete,
  onDescribe,
}: {
  snap: DetailsSnapshot;
  isCurrent: boolean;
  can: { snapshot: boolean; rollback: boolean };
  busy: boolean;
  onRollback: () => void;
  onDelete: () => void;
  onDescribe: (description: string) => void;
}) {
  const [draft, setDraft] = useState(snap.description);
  const changed = draft !== snap.description;
  return (
    <section aria-label={`Snapshot ${snap.name}`} className="space-y-3 text-sm">
      <h3 className="text-base font-semibold">{snap.name}</h3>
      <dl className="grid grid-cols-[8rem_1fr] gap-y-1">
        <dt className="text-slate-500">Taken</dt>
        <dd>{new Date(snap.snaptime * 1000).toLocaleString()}</dd>
        <dt className="text-slate-500">RAM state</dt>
        <dd>{snap.vmstate ? 'yes (rollback resumes the guest running)' : 'no (rollback leaves the guest stopped)'}</dd>
        <dt className="text-slate-500">Hardware</dt>
        <dd>{snap.hardware ?? 'not recorded (a rollback restores the disks only)'}</dd>
        <dt className="text-slate-500">Parent</dt>
        <dd>{snap.parent ?? 'none (a root)'}</dd>
        <dt className="text-slate-500">Position</dt>
        <dd>{isCurrent ? 'current: NOW descends from it' : 'not current'}</dd>
      </dl>
      {snap.missingOn.length > 0 && (
        <p role="alert" className="rounded border border-red-300 bg-red-50 px-2 py-1 text-red-800">
          Missing on disk {snap.missingOn.join(', ')}: the image no longer holds this snapshot. It cannot be rolled back
          to; delete it to clean up the record.
        </p>
      )}
      <div className="space-y-1">
        <label htmlFor="snapshot-details-description" className="block font-medium">
          Description
        </label>
        <textarea
          id="snapshot-details-description"
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          readOnly={!can.snapshot}
          rows={3}
          maxLength={8192}
          className="w-full rounded border border-slate-300 bg-white px-2.5 py-1.5 dark:border-slate-600 dark:bg-slate-900"
        />
        {can.snapshot && (
          <Button variant="secondary" disabled={!changed || busy} onClick={() => onDescribe(draft)}>
            Save description
          </Button>
        )}
      </div>
      <div className="flex flex-wrap gap-2">
        {can.rollback && (
          <ConfirmButton
            label="Rollback"
            what={`to ${snap.name}`}
            disabled={busy || snap.missingOn.length > 0}
            onConfirm={onRollback}
          />
        )}
        {can.snapshot && (
          <ConfirmButton label="Delete" what={`snapshot ${snap.name}`} disabled={busy} onConfirm={onDelete} />
        )}
      </div>
    </section>
  );
}
