import type { Readable } from 'node:stream';
import type { Storage, Volume } from '@/agent/contract/storage';
import type { Permissions } from '@/server/services/access/permissions';
import type { Actor } from '@/server/access/actor';
import type { Db } from '@/server/db';
import { audit } from '@/server/services/audit/audit';
import { clientFor } from './nodes';

/** Storages of a node on which the caller holds Datastore.Audit or Datastore.AllocateSpace (Proxmox's filter). */
export async function listStorages(db: Db, actor: Actor, perms: Permissions, node: string): Promise<Storage[]> {
  const client = await clientFor(db, node, actor.userid);
  return (await client.listStorages()).storages.filter(
    (s) => perms.has('Datastore.Audit', `/storage/${s.id}`) || perms.has('Datastore.AllocateSpace', `/storage/${s.id}`),
  );
}

export async function listVolumes(
  db: Db,
  actor: Actor,
  input: { node: string; storage: string; content?: 'images' | 'iso' | 'snippets' | 'backup' },
): Promise<Volume[]> {
  const client = await clientFor(db, input.node, actor.userid);
  return (await client.listVolumes(input.storage, input.content)).volumes;
}

/** Streams an ISO image to a node's storage (size checked by the agent before the body is sent). */
export async function uploadIso(
  db: Db,
  actor: Actor,
  input: { node: string; storage: string; filename: string; size: number; body: Readable; ip: string },
): Promise<Volume> {
  const client = await clientFor(db, input.node, actor.userid);
  const { volume } = await client.uploadIso(input.storage, input.filename, input.body, input.size);
  await audit(db, {
    actor: actor.userid,
    ip: input.ip,
    action: 'storage.upload',
    target: `${input.node}/${input.storage}/${input.filename}`,
    result: 'ok',
    detail: { size: input.size },
  });
  return volume;
}
