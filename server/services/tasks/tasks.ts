import type { Db } from '@/server/db';
import { AppError } from '@/server/errors';
import type { Permissions } from '@/server/services/access/permissions';
import { clientFor } from '@/server/services/nodes/nodes';
import { recordTasks } from '@/server/services/nodes/sync';

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

/** Recent tasks: all of them with Sys.Audit on `/`, else the caller's own. */
export async function recentTasks(db: Db, perms: Permissions, userid: string, limit: number): Promise<TaskRow[]> {
  return db.task.findMany({
    where: perms.has('Sys.Audit', '/') ? {} : { userId: userid },
    orderBy: { startedAt: 'desc' },
    take: limit,
    select: {
      upid: true,
      node: true,
      type: true,
      target: true,
      userId: true,
      startedAt: true,
      endedAt: true,
      status: true,
    },
  });
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
  const task = await db.task.findUnique({
    where: { upid: input.upid },
    select: { node: true, userId: true, status: true, endedAt: true },
  });
  if (!task || (task.userId !== userid && !perms.has('Sys.Audit', `/nodes/${task.node}`))) {
    throw new AppError('NOT_FOUND', 'no such task');
  }
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
