import type { Db } from '@/server/db';
import type { Permissions } from '@/server/services/access/permissions';

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
    select: { upid: true, node: true, type: true, target: true, userId: true, startedAt: true, endedAt: true, status: true },
  });
}
