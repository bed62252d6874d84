'use client';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { CheckboxField } from '@/components/ui/checkbox';
import { Dialog } from '@/components/ui/dialog';
import { useTRPC } from '@/components/trpc';

/**
 * Confirms removing a node from the cluster. For an offline node, the
 * administrator may also drop the records of the guests it held (a host that
 * is gone for good); the server refuses that while the node answers.
 */
export function RemoveNodeDialog({
  node,
  offline,
  onClose,
}: {
  node: string | null;
  offline: boolean;
  onClose: () => void;
}) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [forgetGuests, setForgetGuests] = useState(false);
  const remove = useMutation(
    trpc.node.remove.mutationOptions({
      onSuccess: () => {
        void qc.invalidateQueries();
        close();
      },
    }),
  );
  function close() {
    setForgetGuests(false);
    remove.reset();
    onClose();
  }
  return (
    <Dialog open={node !== null} title="Remove node" onClose={close}>
      <div className="space-y-3 text-sm">
        <p>
          Remove <strong>{node}</strong> from the cluster? The console forgets its agent, metrics and permissions on
          /nodes/{node}. The agent on the host keeps running and can join again with a new join token.
        </p>
        <p>A node that still holds guests cannot be removed: delete them first.</p>
        {offline && (
          <CheckboxField
            label="The host is gone for good: forget its guests too"
            checked={forgetGuests}
            onChange={(e) => setForgetGuests(e.target.checked)}
          />
        )}
        {remove.error && <Alert>{remove.error.message}</Alert>}
        <div className="flex justify-end gap-2">
          <Button variant="ghost" onClick={close}>
            Cancel
          </Button>
          <Button
            variant="danger"
            disabled={remove.isPending || node === null}
            onClick={() => node && remove.mutate({ node, forgetGuests })}
          >
            Remove
          </Button>
        </div>
      </div>
    </Dialog>
  );
}
