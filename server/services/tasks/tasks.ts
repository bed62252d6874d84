import type { Db } from '@/server/db';
import { AppError } from '@/server/errors';
import type { Permissions } from '@/server/services/access/permissions';
import { clientFor } from '@/server/services/nodes/nodes';
import { recordTasks, syncNode } from '@/server/services/nodes/sync';
import type { TaskStatus } from '@/agent/contract/tasks';

export type TaskRow = {
  upid: string;
  node: string;
  type: string;
  target: string;
  userId: string;
  startedAt: Date;
  endedAt: Date | null;
  status: string;
};

/** A task row's fields, as the lists show them. */
const SELECT = {
  upid: true,
  node: true,
  type: true,
  target: true,
  userId: true,
  startedAt: true,
  endedAt: true,
  status: true,
} as const;

/** Per database, answers of the task list by whose (everyone's or a user's) and length, with the task generation they were read at. */
const answers = new WeakMap<Db, Map<string, { generation: bigint; rows: Promise<TaskRow[]> }>>();
/** Answers kept per database: the lists that users' task strips ask for, a few lengths each. */
const MAX_ANSWERS = 256;
/**
 * Recent tasks: all of them with Sys.Audit on `/`, else the caller's own.
 * Every open console polls this list, so a browser request that read the task
 * generation with its session (`known`) gets the answer read at that same
 * generation from memory: no task has changed since (a database trigger
 * raises the generation on every change, whichever console made it).
 */
export async function recentTasks(
  db: Db,
  perms: Permissions,
  userid: string,
  limit: number,
  known?: bigint,
): Promise<TaskRow[]> {
  const all = perms.has('Sys.Audit', '/');
  const read = (): Promise<TaskRow[]> =>
    db.task.findMany({
      where: all ? {} : { userId: userid },
      orderBy: { startedAt: 'desc' },
      take: limit,
      select: SELECT,
    });
  if (known === undefined) return read();
  if (!answers.has(db)) answers.set(db, new Map());
  const byKey = answers.get(db)!;
  const key = `${all ? '*' : `u:${userid}`} ${limit}`;
  const hit = byKey.get(key);
  if (hit && hit.generation === known) return hit.rows;
  // Read after this request's generation was: the answer is at least as new, and kept for it.
  const rows = read();
  byKey.delete(key);
  if (byKey.size >= MAX_ANSWERS) byKey.delete(byKey.keys().next().value!);
  byKey.set(key, { generation: known, rows });
  void rows.catch(() => {
    if (byKey.get(key)?.rows === rows) byKey.delete(key);
  });
  return rows;
}

/** A task's log, read live from its node's agent; the caller's own tasks, or any with Sys.Audit on the node. */
export async function taskLog(
  db: Db,
  perms: Permissions,
  userid: string,
  input: { upid: string; start: number },
): Promise<{
  status: string;
  endedAt: Date | null;
  lines: { n: number; t: string }[];
  total: number;
  running: boolean;
}> {
  const task = await visibleTask(db, perms, userid, input.upid);
  const client = await clientFor(db, task.node, userid);
  const [log, status] = await Promise.all([
    client.taskLog(input.upid, { start: input.start }),
    client.taskStatus(input.upid),
  ]);
  await recordTasks(db, [status]);
  return {
    status: status.status === 'running' ? 'running' : (status.exitStatus ?? 'unknown'),
    endedAt: status.endTime === null ? null : new Date(status.endTime * 1000),
    ...log,
  };
}

/** A task the caller may see: their own, or any on a node where they hold Sys.Audit (Proxmox's rule). */
async function visibleTask(db: Db, perms: Permissions, userid: string, upid: string): Promise<{ node: string }> {
  const task = await db.task.findUnique({ where: { upid }, select: { node: true, userId: true } });
  if (!task || (task.userId !== userid && !perms.has('Sys.Audit', `/nodes/${task.node}`))) {
    throw new AppError('NOT_FOUND', `no such task '${upid}'`);
  }
  return task;
}

/**
 * A task's status, live from its node's agent. Once it has ended, the node's
 * guests are re-read first, so a caller that saw the task end sees its effect.
 */
export async function taskStatus(db: Db, perms: Permissions, userid: string, upid: string): Promise<TaskStatus> {
  const task = await visibleTask(db, perms, userid, upid);
  const status = await (await clientFor(db, task.node, userid)).taskStatus(upid);
  await recordTasks(db, [status]);
  if (status.status === 'stopped') await syncNode(db, task.node).catch(() => undefined);
  return status;
}

/** Tasks of one node, newest first: all of them with Sys.Audit on the node, else the caller's own. */
export async function nodeTasks(
  db: Db,
  perms: Permissions,
  userid: string,
  input: { node: string; vmid?: number; limit: number; start: number; errors?: boolean; running?: boolean },
): Promise<TaskRow[]> {
  return db.task.findMany({
    where: {
      node: input.node,
      ...(perms.has('Sys.Audit', `/nodes/${input.node}`) ? {} : { userId: userid }),
      ...(input.vmid !== undefined ? { target: String(input.vmid) } : {}),
      ...(input.running ? { status: 'running' } : {}),
      ...(input.errors ? { status: { notIn: ['OK', 'running'] } } : {}),
    },
    orderBy: { startedAt: 'desc' },
    skip: input.start,
    take: input.limit,
    select: SELECT,
  });
}

/** Waits for a task to end (Proxmox's synchronous calls); rejects with TASK_FAILED carrying the task's error. */
export async function awaitTask(db: Db, userid: string, node: string, upid: string): Promise<TaskStatus> {
  const status = await (await clientFor(db, node, userid)).waitForTask(upid, { timeoutMs: 600_000, pollMs: 200 });
  await recordTasks(db, [status]);
  await syncNode(db, node).catch(() => undefined);
  return status;
}
