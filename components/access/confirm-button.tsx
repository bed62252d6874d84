'use client';
import { useState } from 'react';
import { Button } from '@/components/ui/button';

/** A destructive action that asks once more, in place: "Delete" then "Confirm delete". */
export function ConfirmButton({
  label,
  what,
  onConfirm,
  disabled,
}: {
  label: string;
  what: string;
  onConfirm: () => void;
  disabled?: boolean;
}) {
  const [armed, setArmed] = useState(false);
  if (!armed) {
    return (
      <Button variant="secondary" disabled={disabled} aria-label={`${label} ${what}`} onClick={() => setArmed(true)}>
        {label}
      </Button>
    );
  }
  return (
    <>
      <Button
        variant="danger"
        aria-label={`Confirm ${label.toLowerCase()} ${what}`}
        onClick={() => {
          setArmed(false);
          onConfirm();
        }}
      >
        Confirm {label.toLowerCase()}
      </Button>
      <Button variant="ghost" onClick={() => setArmed(false)}>
        Keep
      </Button>
    </>
  );
}
