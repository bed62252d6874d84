import type {
  CreateGuestInput,
  GuestConfig,
  PendingChanges,
  ResizeInput,
  SimpleAction,
  UpdateGuestInput,
} from '@/agent/contract/guests';
import type { Actor } from '@/server/access/actor';
import type { AgentClient } from '@/server/agent-client';
import type { Db } from '@/server/db';
import { AppError, isAppError } from '@/server/errors';
import { audited, type By } from '@/server/services/access/by';
import type { Permissions } from '@/server/services/access/permissions';
import { audit } from '@/server/services/audit/audit';
import { guestSnapshot, nodeSnapshot } from '@/server/services/cluster/guest-snapshot';
import { clientFor, isOnline } from '@/server/services/nodes/nodes';
import { recordTasks, syncNode } from '@/server/services/nodes/sync';

export type GuestRow = {
  vmid: number;
  node: string;
  name: string;
  status: string;
  /** Why the guest stopped, when its QEMU died (from its log). */
  reason: string | null;
  /** When the running guest started; null when stopped. */
  startedAt: Date | null;
  lock: string | null;
  config: GuestConfig;
  pending: PendingChanges | null;
  nodeOnline: boolean;
  can: { powerMgmt: boolean; config: boolean; disk: boolean; allocate: boolean; console: boolean };
};

const SELECT = {
  vmid: true,
  nodeName: true,
  name: true,
  status: true,
  reason: true,
  startedAt: true,
  lock: true,
  config: true,
  pending: true,
  node: { select: { lastSeenAt: true } },
} as const;

type Selected = {
  vmid: number;
  nodeName: string;
  name: string;
  status: string;
  reason: string | null;
  startedAt: Date | null;
  lock: string | null;
  config: unknown;
  pending: unknown;
  node: { lastSeenAt: Date | null };
};

/**
 * A guest's state as the console can tell it: the agent's last report while
 * its node answers; on a node that stopped answering, `unknown`, not the last
 * state seen.
 */
export function reportedState(g: {
  status: string;
  startedAt: Date | null;
  node: { lastSeenAt: Date | null };
}): Pick<GuestRow, 'status' | 'startedAt' | 'nodeOnline'> {
  const online = isOnline(g.node.lastSeenAt);
  return { status: online ? g.status : 'unknown', startedAt: online ? g.startedAt : null, nodeOnline: online };
}

function toRow(g: Selected, perms: Permissions): GuestRow {
  const path = `/vms/${g.vmid}`;
  return {
    vmid: g.vmid,
    node: g.nodeName,
    name: g.name,
    ...reportedState(g),
    reason: g.reason,
    lock: g.lock,
    config: g.config as GuestConfig,
    pending: (g.pending as PendingChanges | null) ?? null,
    can: {
      powerMgmt: perms.has('VM.PowerMgmt', path),
      config: [
        'VM.Config.CPU',
        'VM.Config.Memory',
        'VM.Config.Options',
        'VM.Config.HWType',
        'VM.Config.Network',
        'VM.Config.CDROM',
      ].some((p) => perms.has(p as 'VM.Config.CPU', path)),
      disk: perms.has('VM.Config.Disk', path),
      allocate: perms.has('VM.Allocate', path),
      console: perms.has('VM.Console', path),
    },
  };
}

/** A row of a node's guest list: what the table shows and whether its bulk actions apply. */
export type GuestListRow = Pick<GuestRow, 'vmid' | 'node' | 'name' | 'status' | 'startedAt' | 'lock' | 'nodeOnline'> & {
  can: { powerMgmt: boolean };
};

/**
 * Guests the caller may audit, as list rows: without the configuration, so a
 * node's hundred guests are read, checked and sent at a fraction of the cost
 * of full rows (the guest's own pages read those with `getGuest`). Served from
 * the guest snapshot (server/services/cluster/guest-snapshot.ts), which asks
 * the database only when something changed.
 */
export async function listGuestRows(
  db: Db,
  perms: Permissions,
  filter: { node?: string } = {},
  known?: bigint,
): Promise<GuestListRow[]> {
  const [snapshot, { lastSeen }] = await Promise.all([guestSnapshot(db, known), nodeSnapshot(db, known)]);
  const guests = filter.node === undefined ? snapshot.guests : snapshot.onNode(filter.node);
  return guests.flatMap((g) => {
    const path = `/vms/${g.vmid}`;
    if (!perms.has('VM.Audit', path)) return [];
    return [
      {
        vmid: g.vmid,
        node: g.node,
        name: g.name,
        ...reportedState({ ...g, node: { lastSeenAt: lastSeen.get(g.node) ?? null } }),
        lock: g.lock,
        can: { powerMgmt: perms.has('VM.PowerMgmt', path) },
      },
    ];
  });
}

/** Guests the caller may audit, with their configuration (the Proxmox API's lists). */
export async function listGuests(db: Db, perms: Permissions, filter: { node?: string } = {}): Promise<GuestRow[]> {
  const rows = await db.guest.findMany({ where: { nodeName: filter.node }, orderBy: { vmid: 'asc' }, select: SELECT });
  return rows.filter((g) => perms.has('VM.Audit', `/vms/${g.vmid}`)).map((g) => toRow(g, perms));
}

/**
 * One guest with its configuration. With the state generation a browser
 * request read (`known`), from the guest snapshot (no query while nothing
 * changed); otherwise from the database.
 */
export async function getGuest(db: Db, perms: Permissions, vmid: number, known?: bigint): Promise<GuestRow> {
  let g: Selected | null;
  if (known === undefined) g = await db.guest.findUnique({ where: { vmid }, select: SELECT });
  else {
    const [snapshot, { lastSeen }] = await Promise.all([guestSnapshot(db, known), nodeSnapshot(db, known)]);
    const s = snapshot.byVmid.get(vmid);
    g = s ? { ...s, nodeName: s.node, node: { lastSeenAt: lastSeen.get(s.node) ?? null } } : null;
  }
  if (!g) throw new AppError('NOT_FOUND', `VM ${vmid} does not exist`);
  return toRow(g, perms);
}

/** The lowest free vmid from 100 up, as Proxmox's /cluster/nextid answers. */
export async function nextVmid(db: Db): Promise<number> {
  const used = await db.guest.findMany({ select: { vmid: true }, orderBy: { vmid: 'asc' } });
  let next = 100;
  for (const { vmid } of used) {
    if (vmid > next) break;
    if (vmid === next) next++;
  }
  return next;
}

/**
 * Follows a task in the background, then refreshes its node's mirror at once.
 * A failed create leaves nothing on the agent (it undoes its steps), so the
 * vmid reserved here is released too.
 */
function follow(db: Db, client: AgentClient, node: string, upid: string, createdVmid?: number): void {
  void client
    .waitForTask(upid, { timeoutMs: 3_600_000 })
    .catch(async () => {
      if (createdVmid !== undefined) await db.guest.deleteMany({ where: { vmid: createdVmid, lock: 'create' } });
    })
    .catch(() => undefined)
    .finally(() => void syncNode(db, node).catch(() => undefined));
}

/** Records a task the agent just started, follows it, and answers its UPID. */
export async function started(
  db: Db,
  client: AgentClient,
  node: string,
  upid: string,
  createdVmid?: number,
): Promise<{ upid: string }> {
  await recordTasks(db, [await client.taskStatus(upid)]);
  follow(db, client, node, upid, createdVmid);
  return { upid };
}

/**
 * An operation on a guest that its node's agent runs as a task: `start` asks
 * the agent (as `by`), the task is recorded and followed, and the attempt is
 * audited as `action` on the guest, refused ones with their reason.
 */
export async function guestTask(
  db: Db,
  by: By,
  vmid: number,
  action: string,
  detail: Record<string, string | number | boolean>,
  start: (client: AgentClient) => Promise<{ upid: string }>,
): Promise<{ upid: string }> {
  return audited(
    db,
    by,
    action,
    String(vmid),
    async () => {
      const node = await guestNode(db, vmid);
      const client = await clientFor(db, node, by.actor.userid);
      return started(db, client, node, (await start(client)).upid);
    },
    detail,
  );
}

/** The node a guest lives on; NOT_FOUND when the console knows no such VM. */
export async function guestNode(db: Db, vmid: number): Promise<string> {
  const g = await db.guest.findUnique({ where: { vmid }, select: { nodeName: true } });
  if (!g) throw new AppError('NOT_FOUND', `VM ${vmid} does not exist`);
  return g.nodeName;
}

export type CreateInput = CreateGuestInput & { node: string };

/**
 * Creates a VM on a node: reserves the vmid cluster-wide (the row's primary key),
 * asks the agent (which creates the volumes and undoes them itself if a step
 * fails), and answers with the qmcreate task.
 */
export async function createGuest(
  db: Db,
  actor: Actor,
  perms: Permissions,
  input: CreateInput,
  ip: string,
): Promise<{ upid: string }> {
  const { node, ...spec } = input;
  for (const d of spec.disks ?? []) {
    const storage = d.storage ?? 'local';
    if (!perms.has('Datastore.AllocateSpace', `/storage/${storage}`)) {
      throw new AppError(
        'FORBIDDEN',
        `permission check failed: ${actor.userid} lacks Datastore.AllocateSpace on /storage/${storage}`,
      );
    }
  }
  const client = await clientFor(db, node, actor.userid);
  const placeholder = {
    vmid: spec.vmid,
    nodeName: node,
    name: spec.name,
    config: {},
    status: 'stopped',
    lock: 'create',
  };
  try {
    await db.guest.create({ data: placeholder });
  } catch {
    throw new AppError(
      'CONFLICT',
      `VM ${spec.vmid} already exists: choose another vmid (next free: ${await nextVmid(db)})`,
      { field: 'vmid' },
    );
  }
  let upid: string;
  try {
    ({ upid } = await client.createGuest(spec));
  } catch (e) {
    await db.guest.delete({ where: { vmid: spec.vmid } }).catch(() => undefined);
    await audit(db, {
      actor: actor.userid,
      ip,
      action: 'vm.create',
      target: String(spec.vmid),
      result: { error: isAppError(e) ? e.message : 'failed' },
    });
    throw e;
  }
  await audit(db, {
    actor: actor.userid,
    ip,
    action: 'vm.create',
    target: String(spec.vmid),
    result: 'ok',
    detail: { node, upid },
  });
  return started(db, client, node, upid, spec.vmid);
}

export type GuestActionInput =
  | { action: SimpleAction }
  | { action: 'shutdown'; timeoutSeconds?: number; forceStop?: boolean }
  | { action: 'reboot'; timeoutSeconds?: number };

export async function guestAction(
  db: Db,
  actor: Actor,
  vmid: number,
  input: GuestActionInput,
  ip: string,
): Promise<{ upid: string }> {
  const node = await guestNode(db, vmid);
  const client = await clientFor(db, node, actor.userid);
  const { upid } =
    input.action === 'shutdown'
      ? await client.shutdownGuest(vmid, { timeoutSeconds: input.timeoutSeconds, forceStop: input.forceStop })
      : input.action === 'reboot'
        ? await client.rebootGuest(vmid, { timeoutSeconds: input.timeoutSeconds })
        : await client.guestAction(vmid, input.action);
  await audit(db, {
    actor: actor.userid,
    ip,
    action: `vm.${input.action}`,
    target: String(vmid),
    result: 'ok',
    detail: { upid },
  });
  return started(db, client, node, upid);
}

/** The privilege each configurable field needs (Proxmox's check_vm_modify_config_perm). */
export const FIELD_PRIVILEGE = {
  name: 'VM.Config.Options',
  cores: 'VM.Config.CPU',
  sockets: 'VM.Config.CPU',
  memoryMiB: 'VM.Config.Memory',
  machine: 'VM.Config.HWType',
  bios: 'VM.Config.Options',
  cdrom: 'VM.Config.CDROM',
  boot: 'VM.Config.Options',
  nics: 'VM.Config.Network',
  serial: 'VM.Config.HWType',
  vga: 'VM.Config.HWType',
  kernel: 'VM.Config.Options',
  description: 'VM.Config.Options',
  tags: 'VM.Config.Options',
  ostype: 'VM.Config.Options',
} as const;

export async function updateGuest(
  db: Db,
  actor: Actor,
  perms: Permissions,
  vmid: number,
  changes: UpdateGuestInput,
  ip: string,
): Promise<{ upid: string }> {
  for (const key of Object.keys(changes) as (keyof typeof FIELD_PRIVILEGE)[]) {
    const priv = FIELD_PRIVILEGE[key];
    if (!perms.has(priv, `/vms/${vmid}`)) {
      throw new AppError(
        'FORBIDDEN',
        `permission check failed: ${actor.userid} lacks ${priv} on /vms/${vmid} (to change ${key})`,
        { field: key },
      );
    }
  }
  const node = await guestNode(db, vmid);
  const client = await clientFor(db, node, actor.userid);
  const { upid } = await client.updateGuest(vmid, changes);
  await audit(db, {
    actor: actor.userid,
    ip,
    action: 'vm.config',
    target: String(vmid),
    result: 'ok',
    detail: { fields: Object.keys(changes).join(','), upid },
  });
  return started(db, client, node, upid);
}

export async function resizeDisk(
  db: Db,
  actor: Actor,
  vmid: number,
  input: ResizeInput,
  ip: string,
): Promise<{ upid: string }> {
  const node = await guestNode(db, vmid);
  const client = await clientFor(db, node, actor.userid);
  const { upid } = await client.resizeDisk(vmid, input);
  await audit(db, {
    actor: actor.userid,
    ip,
    action: 'vm.resize',
    target: String(vmid),
    result: 'ok',
    detail: { slot: input.slot, sizeMiB: input.sizeMiB },
  });
  return started(db, client, node, upid);
}

export async function deleteGuest(
  db: Db,
  actor: Actor,
  vmid: number,
  force: boolean,
  ip: string,
): Promise<{ upid: string }> {
  const node = await guestNode(db, vmid);
  const client = await clientFor(db, node, actor.userid);
  const { upid } = await client.deleteGuest(vmid, { force });
  await audit(db, {
    actor: actor.userid,
    ip,
    action: 'vm.delete',
    target: String(vmid),
    result: 'ok',
    detail: { upid, force },
  });
  return started(db, client, node, upid);
}
