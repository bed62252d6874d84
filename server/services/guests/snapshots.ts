import type { GuestConfig } from '@/agent/contract/guests';
import type { SnapshotList } from '@/agent/contract/snapshots';
import type { Actor } from '@/server/access/actor';
import type { Db } from '@/server/db';
import { AppError } from '@/server/errors';
import type { Permissions } from '@/server/services/access/permissions';
import { audited } from '@/server/services/access/by';
import { clientFor } from '@/server/services/nodes/nodes';
import { guestNode, guestTask } from './guests';

// The console side of snapshots. Callers (the tRPC router, the Proxmox-compatible
// API) have checked the privilege already: VM.Audit to list, VM.Snapshot to
// create, delete or edit a description, VM.Snapshot or VM.Snapshot.Rollback to roll back, all
// on /vms/{vmid}. The agent of the guest's node holds the tree and does the work.

/**
 * One entry of Proxmox's `GET /nodes/{node}/qemu/{vmid}/snapshot`: a snapshot,
 * or the `current` pseudo-entry (the guest's present state, `running` 0/1,
 * `parent` = the current position). `parent` is absent for roots, as in Proxmox.
 * `missing` (Horcrux's own) lists `slot:volume` of disks that lost the snapshot.
 */
export type SnapshotEntry = {
  name: string;
  description: string;
  snaptime?: number;
  vmstate?: 0 | 1;
  parent?: string;
  running?: 0 | 1;
  missing?: string[];
};

/** The full tree for the console: the agent's reconciled list plus what the caller may do. */
export type SnapshotView = SnapshotList & { node: string; can: { snapshot: boolean; rollback: boolean } };

/** The snapshot tree of a guest, reconciled with its disks by the agent. */
export async function getSnapshotTree(db: Db, actor: Actor, perms: Permissions, vmid: number): Promise<SnapshotView> {
  const node = await guestNode(db, vmid);
  const client = await clientFor(db, node, actor.userid);
  const list = await client.listSnapshots(vmid);
  const path = `/vms/${vmid}`;
  return {
    ...list,
    node,
    can: {
      snapshot: perms.has('VM.Snapshot', path),
      rollback: perms.has('VM.Snapshot', path) || perms.has('VM.Snapshot.Rollback', path),
    },
  };
}

/** Proxmox's list shape, from the agent's answer: recorded snapshots, then `current`. */
export function toSnapshotEntries(list: SnapshotList): SnapshotEntry[] {
  const entries: SnapshotEntry[] = list.snapshots.map((s) => ({
    name: s.name,
    description: s.description,
    snaptime: s.snaptime,
    vmstate: s.vmstate ? 1 : 0,
    ...(s.parent ? { parent: s.parent } : {}),
    ...(s.missing.length ? { missing: s.missing.map((m) => `${m.slot}:${m.volume}`) } : {}),
  }));
  entries.push({
    name: 'current',
    description: 'You are here!',
    running: list.running ? 1 : 0,
    ...(list.parent ? { parent: list.parent } : {}),
  });
  return entries;
}

/** `GET .../qemu/{vmid}/snapshot`: Proxmox-like entries, ready to return. */
export async function listSnapshotEntries(db: Db, actor: Actor, vmid: number): Promise<SnapshotEntry[]> {
  const node = await guestNode(db, vmid);
  const client = await clientFor(db, node, actor.userid);
  return toSnapshotEntries(await client.listSnapshots(vmid));
}

/**
 * `GET .../snapshot/{name}/config`: one snapshot's entry and the VM config it
 * recorded (null for snapshots taken before Horcrux kept one); NOT_FOUND
 * when the guest has no such snapshot.
 */
export async function getSnapshotEntry(
  db: Db,
  actor: Actor,
  vmid: number,
  name: string,
): Promise<{ entry: SnapshotEntry; config: GuestConfig | null }> {
  const node = await guestNode(db, vmid);
  const list = await (await clientFor(db, node, actor.userid)).listSnapshots(vmid);
  const entry = toSnapshotEntries(list).find((e) => e.name === name && e.name !== 'current');
  if (!entry) throw new AppError('NOT_FOUND', `VM ${vmid} has no snapshot named ${name}`, { field: 'name' });
  return { entry, config: list.snapshots.find((s) => s.name === name)?.config ?? null };
}

export type CreateSnapshotArgs = { name: string; description?: string; vmstate?: boolean };

/** Takes a snapshot (task `qmsnapshot`); `vmstate` includes RAM state of a running guest. */
export async function createSnapshot(
  db: Db,
  actor: Actor,
  vmid: number,
  input: CreateSnapshotArgs,
  ip: string,
): Promise<{ upid: string }> {
  const detail = { name: input.name, vmstate: Boolean(input.vmstate) };
  return guestTask(db, { actor, ip }, vmid, 'vm.snapshot', detail, (client) => client.createSnapshot(vmid, input));
}

/**
 * Rolls back to a snapshot (task `qmrollback`). With RAM state the guest ends
 * running where the snapshot was taken; without, it ends stopped unless `start`.
 */
export async function rollbackSnapshot(
  db: Db,
  actor: Actor,
  vmid: number,
  name: string,
  input: { start?: boolean },
  ip: string,
): Promise<{ upid: string }> {
  return guestTask(db, { actor, ip }, vmid, 'vm.rollback', { name }, (client) =>
    client.rollbackSnapshot(vmid, name, input),
  );
}

/** Deletes a snapshot (task `qmdelsnapshot`); its children are re-linked to its parent. */
export async function deleteSnapshot(
  db: Db,
  actor: Actor,
  vmid: number,
  name: string,
  ip: string,
): Promise<{ upid: string }> {
  return guestTask(db, { actor, ip }, vmid, 'vm.delsnapshot', { name }, (client) => client.deleteSnapshot(vmid, name));
}

/** Changes a snapshot's description at once (no task, as Proxmox's `PUT .../snapshot/{name}/config`). */
export async function updateSnapshotDescription(
  db: Db,
  actor: Actor,
  vmid: number,
  name: string,
  description: string,
  ip: string,
): Promise<void> {
  const node = await guestNode(db, vmid);
  const client = await clientFor(db, node, actor.userid);
  await audited(
    db,
    { actor, ip },
    'vm.snapshot.config',
    String(vmid),
    () => client.updateSnapshot(vmid, name, { description }),
    { name },
  );
}
