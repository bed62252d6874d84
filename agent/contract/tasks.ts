import { z } from 'zod';

/**
 * A task id, Proxmox's UPID: `UPID:node:pid:pstart:starttime:type:id:user:`,
 * pid, pstart and starttime in upper-case hex (8 digits, pstart up to 9), as
 * `PVE::Tools::upid_encode` writes them. `starttime` is Unix seconds; `id` is
 * the target (a vmid, a volume name) or empty.
 */
export type Upid = {
  node: string;
  pid: number;
  pstart: number;
  starttime: number;
  type: string;
  id: string;
  user: string;
};

const UPID_RE =
  /^UPID:([a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?):([0-9A-F]{8}):([0-9A-F]{8,9}):([0-9A-F]{8}):([^:\s]+):([^:\s]*):([^:\s]+):$/;

export function formatUpid(u: Upid): string {
  const hex = (n: number) => n.toString(16).toUpperCase().padStart(8, '0');
  return `UPID:${u.node}:${hex(u.pid)}:${hex(u.pstart)}:${hex(u.starttime)}:${u.type}:${u.id}:${u.user}:`;
}

/** Null when the string is not a UPID. */
export function parseUpid(s: string): Upid | null {
  const m = UPID_RE.exec(s);
  if (!m) return null;
  const [, node, pid, pstart, starttime, type, id, user] = m as unknown as string[];
  return {
    node: node!,
    pid: parseInt(pid!, 16),
    pstart: parseInt(pstart!, 16),
    starttime: parseInt(starttime!, 16),
    type: type!,
    id: id!,
    user: user!,
  };
}

export const ZUpid = z
  .string()
  .refine((s) => parseUpid(s) !== null, 'must be a UPID (UPID:node:pid:pstart:starttime:type:id:user:)');

/**
 * Task types, Proxmox's names: `qmcreate`, `qmstart`, `qmshutdown`, `qmstop`,
 * `qmreboot`, `qmreset`, `qmpause`, `qmresume`, `qmdestroy`, `qmconfig`,
 * `resize`, `imgdel`, `upload`, `qmsnapshot`, `qmrollback`, `qmdelsnapshot`.
 */
export const ZTaskType = z.enum([
  'qmcreate',
  'qmstart',
  'qmshutdown',
  'qmstop',
  'qmreboot',
  'qmreset',
  'qmpause',
  'qmresume',
  'qmdestroy',
  'qmconfig',
  'resize',
  'imgdel',
  'upload',
  'qmsnapshot',
  'qmrollback',
  'qmdelsnapshot',
]);
export type TaskType = z.infer<typeof ZTaskType>;

/**
 * How a task ended: `OK`, `WARNINGS: n` (it finished, n log lines were
 * warnings) or `ERROR: reason` (the reason is the tool's own message).
 */
export const ZTaskExitStatus = z
  .string()
  .regex(/^(OK|WARNINGS: \d+|ERROR: .*)$/s, 'must be OK, WARNINGS: n or ERROR: reason');

/** One task, as Proxmox's `tasks/{upid}/status` reports it. */
export const ZTaskStatus = z.object({
  upid: ZUpid,
  node: z.string(),
  type: ZTaskType,
  /** The target: a vmid, a volume name, or empty. */
  id: z.string(),
  user: z.string(),
  /** Unix seconds. */
  startTime: z.number().int(),
  /** Unix seconds, null while running. */
  endTime: z.number().int().nullable(),
  status: z.enum(['running', 'stopped']),
  /** Null while running. */
  exitStatus: ZTaskExitStatus.nullable(),
});
export type TaskStatus = z.infer<typeof ZTaskStatus>;

export const ZTaskListQuery = z.object({
  /** Only tasks on this guest. */
  vmid: z.coerce.number().int().optional(),
  /** Only running tasks. */
  running: z
    .enum(['0', '1', 'true', 'false'])
    .transform((v) => v === '1' || v === 'true')
    .optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(50),
});
/** The query as a caller writes it (it travels as strings). */
export type TaskListQuery = { vmid?: number; running?: boolean; limit?: number };

/** Newest first. */
export const ZTaskList = z.object({ tasks: z.array(ZTaskStatus) });
export type TaskList = z.infer<typeof ZTaskList>;

/** One log line: `n` counts from 1, `t` starts with an ISO timestamp. */
export const ZTaskLogLine = z.object({ n: z.number().int().min(1), t: z.string() });

export const ZTaskLogQuery = z.object({
  /** Lines after this many (0 = from the first), for live tailing. */
  start: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(50_000).default(5_000),
});
export type TaskLogQuery = { start?: number; limit?: number };

export const ZTaskLog = z.object({
  lines: z.array(ZTaskLogLine),
  /** Lines in the log so far. */
  total: z.number().int(),
  /** More lines may follow. */
  running: z.boolean(),
});
export type TaskLog = z.infer<typeof ZTaskLog>;

export const ZUpidParams = z.object({ upid: ZUpid });
