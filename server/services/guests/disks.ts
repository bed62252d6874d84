import type { AddDiskInput } from '@/agent/contract/guests';
import type { DiskSlot } from '@/agent/drivers/types';
import { actorName } from '@/server/access/actor';
import type { Db } from '@/server/db';
import { AppError } from '@/server/errors';
import type { By } from '@/server/services/access/by';
import type { Permissions } from '@/server/services/access/permissions';
import { guestTask } from './guests';

// Adding and detaching disks of an existing VM. Callers (the tRPC router, the
// Proxmox-compatible API) have checked VM.Config.Disk on /vms/{vmid}; a new
// volume also needs Datastore.AllocateSpace on its storage, checked here for
// every caller, as createGuest does. The agent of the guest's node does the work.

function assertMayAllocate(by: By, perms: Permissions, storage: string): void {
  const path = `/storage/${storage}`;
  if (!perms.has('Datastore.AllocateSpace', path))
    throw new AppError(
      'FORBIDDEN',
      `permission check failed: ${actorName(by.actor)} lacks Datastore.AllocateSpace on ${path}`,
      { field: 'storage' },
    );
}

/**
 * Adds a disk (task `qmconfig`): a new volume on `storage`, or an unused
 * volume of this VM. At once on a stopped VM, at its next start on a running one.
 */
export async function addDisk(
  db: Db,
  by: By,
  perms: Permissions,
  vmid: number,
  input: AddDiskInput,
): Promise<{ upid: string }> {
  const detail: Record<string, string | number> =
    'volume' in input
      ? { slot: input.slot, volume: input.volume }
      : { slot: input.slot, storage: input.storage ?? 'local', sizeMiB: input.sizeMiB };
  return guestTask(db, by, vmid, 'vm.disk.add', detail, (client) => {
    if (!('volume' in input)) assertMayAllocate(by, perms, input.storage ?? 'local');
    return client.addDisk(vmid, input);
  });
}

/** Detaches a disk of a stopped VM (task `qmconfig`); its volume and data stay on the storage. */
export async function detachDisk(db: Db, by: By, vmid: number, slot: DiskSlot): Promise<{ upid: string }> {
  return guestTask(db, by, vmid, 'vm.disk.detach', { slot }, (client) => client.detachDisk(vmid, slot));
}
