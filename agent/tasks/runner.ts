import { readFileSync } from 'node:fs';
import { appendFile, mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { formatUpid, ZTaskStatus, type TaskLog, type TaskStatus, type TaskType } from '../contract/tasks';

/** What a running task may do: log lines (with timestamps) and count warnings. */
export type TaskContext = {
  readonly upid: string;
  log(line: string): void;
  /** A warning line; the task ends `WARNINGS: n` unless it fails. */
  warn(line: string): void;
};

export type TaskSpec = {
  type: TaskType;
  /** The target: a vmid, a volume name, or empty. */
  id: string;
  user: string;
  /**
   * Resources held while the task runs (`guest:100`, `volume:local:iso/x.iso`);
   * a task asking for one that another holds is refused at once.
   */
  locks?: string[];
  run(ctx: TaskContext): Promise<void>;
};

/** A task was refused because another running task holds a lock it needs. */
export class TaskLockedError extends Error {
  readonly lock: string;
  readonly upid: string;

  constructor(lock: string, upid: string, message: string) {
    super(message);
    this.name = 'TaskLockedError';
    this.lock = lock;
    this.upid = upid;
  }
}

type Running = {
  status: TaskStatus;
  lines: string[];
  warnings: number;
  done: Promise<TaskStatus>;
  flushed: Promise<void>;
  /** The first status file write: once it is on disk, a crash of the agent cannot lose the task. */
  recorded: Promise<void>;
};

/** The process start time in clock ticks since boot (field 22 of /proc/self/stat), as Proxmox's pstart. */
function processStart(): number {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[19]) || 0;
  } catch {
    return 0;
  }
}

const PSTART = processStart();

function oneLine(message: string): string {
  const s = message.replace(/\s*\n\s*/g, '; ').trim();
  return s.length > 500 ? `${s.slice(0, 497)}...` : s;
}

/**
 * Runs long operations as tasks: each gets a UPID at once, logs lines with
 * timestamps to `<dir>/<upid>.log`, keeps its status in `<dir>/<upid>.json`,
 * and ends `OK`, `WARNINGS: n` or `ERROR: reason`. Locks are in memory: a
 * restarted agent has no running tasks (the ones it lost end as ERROR).
 */
export class TaskRunner {
  private readonly dir: string;
  private readonly node: string;
  private readonly tasks = new Map<string, TaskStatus>();
  private readonly running = new Map<string, Running>();
  private readonly locks = new Map<string, string>();
  private readonly journal: (line: string) => void;

  /** `log` gets one line per task start and end (the agent's own log, for operators). */
  constructor(options: { dir: string; node: string; log?: (line: string) => void }) {
    this.dir = options.dir;
    this.node = options.node;
    this.journal = options.log ?? (() => undefined);
  }

  /** Loads the task history; tasks left running by a previous process end as ERROR. */
  async init(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    for (const file of await readdir(this.dir)) {
      if (!file.endsWith('.json')) continue;
      try {
        const status = ZTaskStatus.parse(JSON.parse(await readFile(path.join(this.dir, file), 'utf8')));
        if (status.status === 'running') {
          const ended: TaskStatus = {
            ...status,
            status: 'stopped',
            endTime: Math.floor(Date.now() / 1000),
            exitStatus: 'ERROR: the agent stopped while the task was running',
          };
          await this.writeStatus(ended);
          this.tasks.set(ended.upid, ended);
        } else {
          this.tasks.set(status.upid, status);
        }
      } catch {
        // A damaged status file is skipped, not fatal.
      }
    }
  }

  /** The UPID of the running task that holds `lock`, or null. */
  holder(lock: string): string | null {
    return this.locks.get(lock) ?? null;
  }

  /** Starts a task and returns its UPID at once; throws TaskLockedError when a lock is taken. */
  start(spec: TaskSpec): string {
    const locks = spec.locks ?? [];
    for (const lock of locks) {
      const holder = this.locks.get(lock);
      if (holder) {
        const t = this.tasks.get(holder);
        throw new TaskLockedError(
          lock,
          holder,
          `${lock.replace(':', ' ')} is locked by task ${holder}${t ? ` (${t.type}, started by ${t.user})` : ''}; wait for it to finish`,
        );
      }
    }
    let starttime = Math.floor(Date.now() / 1000);
    let upid: string;
    // Tasks share the agent's pid, so two tasks of the same kind on the same target within a second would collide.
    for (;;) {
      upid = formatUpid({
        node: this.node,
        pid: process.pid,
        pstart: PSTART,
        starttime,
        type: spec.type,
        id: spec.id,
        user: spec.user,
      });
      if (!this.tasks.has(upid)) break;
      starttime++;
    }
    for (const lock of locks) this.locks.set(lock, upid);
    const status: TaskStatus = {
      upid,
      node: this.node,
      type: spec.type,
      id: spec.id,
      user: spec.user,
      startTime: starttime,
      endTime: null,
      status: 'running',
      exitStatus: null,
    };
    this.tasks.set(upid, status);
    const logFile = path.join(this.dir, `${upid}.log`);
    const recorded = this.writeStatus(status);
    let flushed: Promise<void> = recorded.catch(() => undefined);
    const entry: Running = { status, lines: [], warnings: 0, done: Promise.resolve(status), flushed, recorded };
    const append = (line: string) => {
      const text = `${new Date().toISOString()} ${line}`;
      entry.lines.push(text);
      flushed = flushed.then(() => appendFile(logFile, `${text}\n`)).catch(() => undefined);
      entry.flushed = flushed;
    };
    const ctx: TaskContext = {
      upid,
      log: (line) => append(line),
      warn: (line) => {
        entry.warnings++;
        append(`WARN: ${line}`);
      },
    };
    this.running.set(upid, entry);
    this.journal(`task ${upid} started`);
    entry.done = (async () => {
      let exitStatus: string;
      try {
        await spec.run(ctx);
        exitStatus = entry.warnings > 0 ? `WARNINGS: ${entry.warnings}` : 'OK';
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        append(`ERROR: ${message}`);
        exitStatus = `ERROR: ${oneLine(message) || 'failed'}`;
      }
      append(`TASK ${exitStatus}`);
      const ended: TaskStatus = { ...status, status: 'stopped', endTime: Math.floor(Date.now() / 1000), exitStatus };
      for (const lock of locks) if (this.locks.get(lock) === upid) this.locks.delete(lock);
      await entry.flushed;
      await this.writeStatus(ended);
      this.tasks.set(upid, ended);
      this.running.delete(upid);
      this.journal(`task ${upid} ended: ${exitStatus}`);
      return ended;
    })();
    return upid;
  }

  /**
   * Resolves once the task's record is on disk; callers answer with the UPID
   * only then, so a UPID a client holds survives an agent crash.
   */
  async recorded(upid: string): Promise<void> {
    await this.running.get(upid)?.recorded;
  }

  /** `start`, answering once the task is recorded on disk. */
  async startRecorded(spec: TaskSpec): Promise<string> {
    const upid = this.start(spec);
    await this.recorded(upid);
    return upid;
  }

  status(upid: string): TaskStatus | null {
    return this.tasks.get(upid) ?? null;
  }

  /** Resolves with the final status once the task has ended. */
  async wait(upid: string): Promise<TaskStatus | null> {
    const r = this.running.get(upid);
    return r ? r.done : this.status(upid);
  }

  /** Newest first. */
  list(filter: { id?: string; running?: boolean; limit: number }): TaskStatus[] {
    return [...this.tasks.values()]
      .filter(
        (t) =>
          (filter.id === undefined || t.id === filter.id) &&
          (filter.running === undefined || (t.status === 'running') === filter.running),
      )
      .sort((a, b) => b.startTime - a.startTime || (a.upid < b.upid ? 1 : -1))
      .slice(0, filter.limit);
  }

  /** Lines after the first `start`; null for an unknown task. */
  async log(upid: string, start: number, limit: number): Promise<TaskLog | null> {
    const status = this.tasks.get(upid);
    if (!status) return null;
    const r = this.running.get(upid);
    let all: string[];
    if (r) {
      all = r.lines;
    } else {
      try {
        all = (await readFile(path.join(this.dir, `${upid}.log`), 'utf8')).split('\n').filter((l) => l.length > 0);
      } catch {
        all = [];
      }
    }
    const lines = all.slice(start, start + limit).map((t, i) => ({ n: start + i + 1, t }));
    return { lines, total: all.length, running: Boolean(r) };
  }

  /** Waits for every running task (agent shutdown). */
  async drain(): Promise<void> {
    await Promise.all([...this.running.values()].map((r) => r.done));
  }

  private async writeStatus(status: TaskStatus): Promise<void> {
    const file = path.join(this.dir, `${status.upid}.json`);
    const tmp = `${file}.tmp`;
    await writeFile(tmp, JSON.stringify(status));
    await rename(tmp, file);
  }
}
