import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseUpid } from '../contract/tasks';
import { TaskLockedError, TaskRunner } from './runner';

let dir: string;
let runner: TaskRunner;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'hx-tasks-'));
  runner = new TaskRunner({ dir, node: 'pve1' });
  await runner.init();
});
afterEach(async () => {
  await runner.drain();
  await rm(dir, { recursive: true, force: true });
});

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { open, opened };
}

describe('TaskRunner', () => {
  it('returns a UPID at once and ends OK, with timestamped log lines', async () => {
    const g = gate();
    const upid = runner.start({
      type: 'qmstart',
      id: '100',
      user: 'alice@pve',
      run: async (ctx) => {
        ctx.log('starting');
        await g.opened;
      },
    });
    expect(parseUpid(upid)).toMatchObject({
      node: 'pve1',
      type: 'qmstart',
      id: '100',
      user: 'alice@pve',
      pid: process.pid,
    });
    expect(runner.status(upid)).toMatchObject({ status: 'running', exitStatus: null, endTime: null });
    expect((await runner.log(upid, 0, 100))?.running).toBe(true);
    g.open();
    expect(await runner.wait(upid)).toMatchObject({ status: 'stopped', exitStatus: 'OK' });
    const log = await runner.log(upid, 0, 100);
    expect(log?.lines.map((l) => l.t.replace(/^\S+ /, ''))).toEqual(['starting', 'TASK OK']);
    expect(log?.lines[0]?.t).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z /);
    expect((await runner.log(upid, 1, 100))?.lines).toEqual([{ n: 2, t: expect.stringMatching(/TASK OK$/) }]);
  });

  it('counts warnings and carries the error of a failed task', async () => {
    const warned = runner.start({
      type: 'qmdestroy',
      id: '100',
      user: 'root@pam',
      run: async (ctx) => {
        ctx.warn('one');
        ctx.warn('two');
      },
    });
    expect((await runner.wait(warned))?.exitStatus).toBe('WARNINGS: 2');
    const failed = runner.start({
      type: 'qmstart',
      id: '101',
      user: 'root@pam',
      run: async () => {
        throw new Error('QEMU said:\nno such file');
      },
    });
    expect((await runner.wait(failed))?.exitStatus).toBe('ERROR: QEMU said:; no such file');
  });

  it('refuses a task whose lock is held, naming the holder, and frees the lock at the end', async () => {
    const g = gate();
    const first = runner.start({
      type: 'qmshutdown',
      id: '100',
      user: 'root@pam',
      locks: ['guest:100'],
      run: () => g.opened,
    });
    let refusal: unknown;
    try {
      runner.start({ type: 'qmstop', id: '100', user: 'root@pam', locks: ['guest:100'], run: async () => undefined });
    } catch (e) {
      refusal = e;
    }
    expect(refusal).toBeInstanceOf(TaskLockedError);
    expect((refusal as TaskLockedError).upid).toBe(first);
    expect((refusal as Error).message).toContain(first);
    // Other guests are not held.
    await runner.wait(
      runner.start({ type: 'qmstop', id: '101', user: 'root@pam', locks: ['guest:101'], run: async () => undefined }),
    );
    g.open();
    await runner.wait(first);
    expect(runner.holder('guest:100')).toBeNull();
    await runner.wait(
      runner.start({ type: 'qmstop', id: '100', user: 'root@pam', locks: ['guest:100'], run: async () => undefined }),
    );
  });

  it('gives two tasks of one kind on one target in the same second distinct UPIDs', async () => {
    const a = runner.start({ type: 'qmreset', id: '100', user: 'root@pam', run: async () => undefined });
    const b = runner.start({ type: 'qmreset', id: '100', user: 'root@pam', run: async () => undefined });
    expect(a).not.toBe(b);
    await Promise.all([runner.wait(a), runner.wait(b)]);
    expect(runner.list({ limit: 10 })).toHaveLength(2);
  });

  it('after a restart, lists past tasks and ends the ones that were running as ERROR', async () => {
    const done = await runner.startRecorded({
      type: 'qmcreate',
      id: '100',
      user: 'root@pam',
      run: async (ctx) => ctx.log('made'),
    });
    await runner.wait(done);
    const lost = 'UPID:pve1:00000001:00000001:00000001:qmstart:100:root@pam:';
    await writeFile(
      path.join(dir, `${lost}.json`),
      JSON.stringify({
        upid: lost,
        node: 'pve1',
        type: 'qmstart',
        id: '100',
        user: 'root@pam',
        startTime: 1,
        endTime: null,
        status: 'running',
        exitStatus: null,
      }),
    );
    const next = new TaskRunner({ dir, node: 'pve1' });
    await next.init();
    expect(next.status(done)?.exitStatus).toBe('OK');
    expect((await next.log(done, 0, 10))?.lines.map((l) => l.t.replace(/^\S+ /, ''))).toEqual(['made', 'TASK OK']);
    expect(next.status(lost)).toMatchObject({
      status: 'stopped',
      exitStatus: 'ERROR: the agent stopped while the task was running',
    });
    expect(next.list({ running: true, limit: 10 })).toEqual([]);
    expect(next.list({ id: '100', limit: 10 }).map((t) => t.upid)).toEqual([done, lost]);
  });
});
