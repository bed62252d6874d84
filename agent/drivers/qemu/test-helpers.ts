import { mkdtemp, readdir, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { exec } from '../../lib/exec';
import { isAlive, readPidFile } from './proc';

export const REPO_ROOT = path.resolve(import.meta.dirname, '../../..');

export type TestImage = { iso: string; kernel: string; initrd: string };

/** Builds (or reuses) the test guest image with scripts/build-test-iso.sh. */
export async function buildTestImage(): Promise<TestImage> {
  const { stdout } = await exec(
    'bash',
    [path.join(REPO_ROOT, 'scripts/build-test-iso.sh'), path.join(REPO_ROOT, '.cache/test-image')],
    { timeoutMs: 900_000 },
  );
  const get = (key: string): string => {
    const line = stdout.split('\n').find((l) => l.startsWith(`${key}: `));
    if (!line) throw new Error(`build-test-iso.sh printed no ${key}: ${stdout}`);
    return line.slice(key.length + 2).trim();
  };
  return { iso: get('iso'), kernel: get('kernel'), initrd: get('initrd') };
}

/** A run directory of its own for one test file; `cleanup` SIGKILLs every QEMU left in it. */
export async function tempRunDir(prefix: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `horcrux-${prefix}-`));
  return {
    dir,
    cleanup: async () => {
      const names = await readdir(dir).catch(() => []);
      for (const name of names.filter((n) => n.endsWith('.pid'))) {
        const pid = await readPidFile(path.join(dir, name));
        if (pid !== null && (await isAlive(pid))) process.kill(pid, 'SIGKILL');
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Reads a guest's serial socket and waits for lines on it. */
export class SerialReader {
  text = '';
  private readonly socket: net.Socket;
  private waiters: (() => void)[] = [];

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      this.text += d;
      for (const w of this.waiters) w();
    });
    socket.on('error', () => undefined);
  }

  static connect(socketPath: string): Promise<SerialReader> {
    return new Promise((resolve, reject) => {
      const s = net.createConnection({ path: socketPath }, () => resolve(new SerialReader(s)));
      s.once('error', reject);
    });
  }

  /** Resolves with the first match of `re` in everything read so far or later; rejects after `timeoutMs`. */
  waitFor(re: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const m = this.text.match(re);
        if (!m) return false;
        done();
        resolve(m);
        return true;
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`serial: no ${re} within ${timeoutMs} ms; last output: ${this.text.slice(-500)}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== waiter);
      };
      const waiter = () => void check();
      this.waiters.push(waiter);
      check();
    });
  }

  /** The highest heartbeat counter seen so far, or 0. */
  lastHeartbeat(): number {
    const all = [...this.text.matchAll(/HORCRUX-TEST-GUEST HEARTBEAT (\d+)/g)];
    return all.length ? Number(all[all.length - 1]?.[1]) : 0;
  }

  close(): void {
    this.socket.destroy();
  }
}
