import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, copyFile, mkdir, open, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { KeyedQueue } from '../../lib/keyed-queue';
import { assertVmid, InvalidNameError, isValidVmid } from '../../lib/names';
import { DriverError } from '../errors';
import type {
  DriverCapabilities,
  GuestConfig,
  GuestCounters,
  GuestDriver,
  GuestStatus,
  ShutdownOptions,
  StartOptions,
} from '../types';
import { idleCounters } from '../types';
import { readGuestTaps, sumBlockstats } from './counters';
import { buildQemuArgv, guestPaths, qemuOptValue, type GuestPaths } from './argv';
import { kvmUsable } from './kvm';
import { readProcessUsage } from '../../metrics/procfs';
import { isAlive, processUptimeSeconds, readCmdline, readPidFile, waitForExit } from './proc';
import { QmpClient } from './qmp';
import { QemuLiveSnapshots } from './snapshots';
import { validateGuestConfig } from './validate';

export type QemuDriverOptions = {
  /** Where the guests' sockets, pid files and logs live (e.g. /run/horcrux/qemu). */
  runDir: string;
  /** `auto` probes KVM once (see kvmUsable) and falls back to TCG. Default `auto`. */
  accel?: 'auto' | 'kvm' | 'tcg';
  qemuBinary?: string;
  /** Budget for QEMU to start (until it daemonizes); default 60 s. */
  startTimeoutMs?: number;
  /** Budget for each QMP connection and command; default 10 s. */
  qmpTimeoutMs?: number;
  /** How long `stop` waits after QMP `quit` before SIGKILL; default 10 s. */
  quitTimeoutMs?: number;
  /** OVMF code/vars pairs, first existing pair wins. Default: Debian's `ovmf` package files. */
  ovmfFirmware?: { code: string; vars: string }[];
};

const DEBIAN_OVMF = [
  { code: '/usr/share/OVMF/OVMF_CODE_4M.fd', vars: '/usr/share/OVMF/OVMF_VARS_4M.fd' },
  { code: '/usr/share/OVMF/OVMF_CODE.fd', vars: '/usr/share/OVMF/OVMF_VARS.fd' },
];

const LOG_TAIL_BYTES = 2_000;

async function exists(file: string): Promise<boolean> {
  return access(file, constants.F_OK).then(
    () => true,
    () => false,
  );
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function checkVmid(vmid: number): number {
  try {
    return assertVmid(vmid);
  } catch (e) {
    if (e instanceof InvalidNameError) throw new DriverError('INVALID_CONFIG', e.message, { field: e.field });
    throw e;
  }
}

/**
 * The QEMU driver: one daemonized QEMU per guest, driven over QMP. Everything
 * it knows about a guest is read from the run directory, /proc and QMP, so a
 * new instance (after an agent restart) sees the guests of the previous one.
 */
export class QemuDriver implements GuestDriver {
  readonly kind = 'qemu' as const;
  readonly runDir: string;
  private readonly qemuBinary: string;
  private readonly accelOption: 'auto' | 'kvm' | 'tcg';
  private readonly startTimeoutMs: number;
  private readonly qmpTimeoutMs: number;
  private readonly quitTimeoutMs: number;
  private readonly ovmf: { code: string; vars: string }[];
  /** One QMP connection at a time per guest: QEMU serves one client per socket. */
  private readonly qmpQueue = new KeyedQueue<number>();
  /** One lifecycle change (start, stop, shutdown, reboot) at a time per guest. */
  private readonly lifecycle = new KeyedQueue<number>();
  private accel: Promise<'kvm' | 'tcg'> | null = null;
  /** Internal snapshots of running guests (QMP jobs). */
  readonly liveSnapshots = new QemuLiveSnapshots((vmid, fn) => this.withQmp(vmid, fn));

  constructor(options: QemuDriverOptions) {
    this.runDir = path.resolve(options.runDir);
    // sun_path holds 108 bytes; QEMU and Node both refuse longer socket paths.
    const longest = guestPaths(this.runDir, 999_999_999).serial;
    if (Buffer.byteLength(longest) > 107) {
      throw new DriverError(
        'INVALID_CONFIG',
        `runDir ${this.runDir} is too long for unix socket paths (max 107 bytes)`,
        {
          field: 'runDir',
        },
      );
    }
    this.qemuBinary = options.qemuBinary ?? 'qemu-system-x86_64';
    this.accelOption = options.accel ?? 'auto';
    this.startTimeoutMs = options.startTimeoutMs ?? 60_000;
    this.qmpTimeoutMs = options.qmpTimeoutMs ?? 10_000;
    this.quitTimeoutMs = options.quitTimeoutMs ?? 10_000;
    this.ovmf = options.ovmfFirmware ?? DEBIAN_OVMF;
  }

  /** The guest's files under the run directory (QMP, VNC and serial sockets, pid file, log). */
  paths(vmid: number): GuestPaths {
    return guestPaths(this.runDir, checkVmid(vmid));
  }

  /** The accelerator guests start with: the option, or for `auto` the outcome of the KVM probe. */
  accelerator(): Promise<'kvm' | 'tcg'> {
    if (this.accelOption !== 'auto') return Promise.resolve(this.accelOption);
    this.accel ??= kvmUsable(this.qemuBinary).then((p) => (p.usable ? 'kvm' : 'tcg'));
    return this.accel;
  }

  async capabilities(): Promise<DriverCapabilities> {
    return {
      kind: 'qemu',
      // Internal qcow2 snapshots: qemu-img when stopped, QMP jobs when running (snapshots.ts).
      snapshots: true,
      snapshotsWithMemory: true,
      // QEMU can do these (HOST.md); this driver does not implement them yet.
      liveMigration: false,
      sharedStorage: false,
      thinProvisioning: true,
      pause: true,
      reset: true,
      consoles: ['vnc', 'serial'],
      hardwareAcceleration: (await this.accelerator()) === 'kvm',
    };
  }

  /**
   * Runs `fn` with a fresh QMP connection to the guest, after any other QMP
   * user of this driver; failures become CONTROL_FAILED.
   */
  withQmp<T>(vmid: number, fn: (qmp: QmpClient) => Promise<T>): Promise<T> {
    const { qmp: socket } = this.paths(vmid);
    return this.qmpQueue.run(vmid, async () => {
      let client: QmpClient;
      try {
        client = await QmpClient.connect(socket, { timeoutMs: this.qmpTimeoutMs, commandTimeoutMs: this.qmpTimeoutMs });
      } catch (e) {
        throw new DriverError('CONTROL_FAILED', `guest ${vmid}: ${message(e)}`, { cause: e });
      }
      try {
        return await fn(client);
      } catch (e) {
        if (e instanceof DriverError) throw e;
        throw new DriverError('CONTROL_FAILED', `guest ${vmid}: ${message(e)}`, { cause: e });
      } finally {
        await client.close();
      }
    });
  }

  start(config: GuestConfig, options: StartOptions = {}): Promise<GuestStatus> {
    validateGuestConfig(config);
    return this.lifecycle.run(config.vmid, () => this.doStart(config, options));
  }

  async status(vmid: number): Promise<GuestStatus> {
    checkVmid(vmid);
    const proc = await this.process(vmid);
    if (!proc) return stopped(vmid, null);
    if (!proc.alive) return stopped(vmid, await this.deathReason(vmid, proc.pid));
    let qmpStatus: string;
    try {
      qmpStatus = (await this.withQmp(vmid, (q) => q.execute('query-status'))).status;
    } catch (e) {
      // QEMU may be exiting right now (shutdown); only a live process without QMP is an error.
      const again = await this.process(vmid);
      if (!again) return stopped(vmid, null);
      if (!again.alive) return stopped(vmid, await this.deathReason(vmid, again.pid));
      throw new DriverError('CONTROL_FAILED', `guest ${vmid}: QEMU (pid ${proc.pid}) is alive but ${message(e)}`, {
        cause: e,
      });
    }
    return {
      vmid,
      state: qmpStatus === 'running' ? 'running' : 'paused',
      qmpStatus,
      pid: proc.pid,
      uptimeSeconds: await processUptimeSeconds(proc.pid),
      reason: null,
    };
  }

  shutdown(vmid: number, options: ShutdownOptions): Promise<GuestStatus> {
    checkVmid(vmid);
    return this.lifecycle.run(vmid, () => this.doShutdown(vmid, options));
  }

  stop(vmid: number): Promise<GuestStatus> {
    checkVmid(vmid);
    return this.lifecycle.run(vmid, () => this.doStop(vmid));
  }

  reboot(config: GuestConfig, options: { timeoutMs: number }): Promise<GuestStatus> {
    validateGuestConfig(config);
    return this.lifecycle.run(config.vmid, async () => {
      if ((await this.status(config.vmid)).state === 'stopped') {
        throw new DriverError('NOT_RUNNING', `guest ${config.vmid} is not running; start it instead`);
      }
      await this.doShutdown(config.vmid, { timeoutMs: options.timeoutMs, forceStop: true });
      return this.doStart(config);
    });
  }

  async reset(vmid: number): Promise<void> {
    await this.liveCommand(vmid, 'system_reset');
  }

  async pause(vmid: number): Promise<void> {
    await this.liveCommand(vmid, 'stop');
  }

  async resume(vmid: number): Promise<void> {
    await this.liveCommand(vmid, 'cont');
  }

  async forget(vmid: number): Promise<void> {
    const p = this.paths(vmid);
    if ((await this.status(vmid)).state !== 'stopped') {
      throw new DriverError('ALREADY_RUNNING', `guest ${vmid} is running; stop it before removing its files`);
    }
    await Promise.all([p.log, p.efivars, p.pid].map((f) => rm(f, { force: true })));
  }

  /**
   * CPU time and RSS from /proc/<pid>, disk counters from QMP `query-blockstats`
   * (with `query-status`, in the one QMP exchange), network bytes from the guest's
   * tap devices. A guest whose QMP is busy or wedged still reports CPU and memory.
   */
  async sampleGuest(vmid: number): Promise<GuestCounters> {
    checkVmid(vmid);
    const proc = await this.process(vmid);
    if (!proc?.alive) return idleCounters('stopped');
    const [usage, uptime, qmp, net] = await Promise.all([
      readProcessUsage(proc.pid),
      processUptimeSeconds(proc.pid),
      this.withQmp(vmid, async (q) => ({
        status: (await q.execute('query-status')).status,
        blocks: sumBlockstats(await q.execute('query-blockstats')),
      })).catch(() => null),
      readGuestTaps(vmid),
    ]);
    if (!usage) return idleCounters('stopped');
    return {
      state: qmp === null || qmp.status === 'running' ? 'running' : 'paused',
      instance: `${proc.pid}`,
      cpuSeconds: usage.cpuSeconds,
      memBytes: usage.rss,
      diskReadBytes: qmp?.blocks.readBytes ?? null,
      diskWriteBytes: qmp?.blocks.writeBytes ?? null,
      diskReadOps: qmp?.blocks.readOps ?? null,
      diskWriteOps: qmp?.blocks.writeOps ?? null,
      netInBytes: net?.inBytes ?? null,
      netOutBytes: net?.outBytes ?? null,
      uptimeSeconds: uptime ?? 0,
    };
  }

  async recover(): Promise<GuestStatus[]> {
    let names: string[];
    try {
      names = await readdir(this.runDir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const vmids = new Set<number>();
    for (const name of names) {
      const m = /^([0-9]+)\.(pid|qmp)$/.exec(name);
      const vmid = Number(m?.[1]);
      if (m && isValidVmid(vmid)) vmids.add(vmid);
    }
    const found: GuestStatus[] = [];
    for (const vmid of [...vmids].sort((a, b) => a - b)) {
      let st: GuestStatus;
      try {
        st = await this.status(vmid);
      } catch (e) {
        // One wedged QEMU must not hide the others: report its live process, state unread.
        const proc = await this.process(vmid);
        if (!(e instanceof DriverError) || e.code !== 'CONTROL_FAILED' || !proc?.alive) throw e;
        st = { vmid, state: 'running', qmpStatus: null, pid: proc.pid, uptimeSeconds: null, reason: e.message };
      }
      if (st.state !== 'stopped' || st.reason !== null) found.push(st);
    }
    return found;
  }

  /** The guest's QEMU from its pid file; `alive` is false when that process is gone (or is not this guest's). */
  private async process(vmid: number): Promise<{ pid: number; alive: boolean } | null> {
    const paths = guestPaths(this.runDir, vmid);
    const pid = await readPidFile(paths.pid);
    if (pid === null) return null;
    if (!(await isAlive(pid))) return { pid, alive: false };
    // A recycled pid belongs to some other process: ours names its QMP socket.
    const qmpArg = qemuOptValue(paths.qmp);
    const cmdline = await readCmdline(pid);
    return { pid, alive: cmdline?.some((a) => a.includes(qmpArg)) ?? false };
  }

  private async deathReason(vmid: number, pid: number): Promise<string> {
    const { log } = guestPaths(this.runDir, vmid);
    const text = await readFile(log, 'utf8').catch(() => '');
    const tail = text.slice(-LOG_TAIL_BYTES).trim();
    return tail
      ? `QEMU (pid ${pid}) exited without a clean stop; its log ends: ${tail}`
      : `QEMU (pid ${pid}) exited without a clean stop and left no message in ${log} (killed by a signal such as SIGKILL, or crashed)`;
  }

  private async liveCommand(vmid: number, command: 'system_reset' | 'stop' | 'cont'): Promise<void> {
    const st = await this.status(vmid);
    if (st.state === 'stopped') throw new DriverError('NOT_RUNNING', `guest ${vmid} is not running`);
    await this.withQmp(vmid, (q) => q.execute(command));
  }

  private async removeRuntimeFiles(vmid: number): Promise<void> {
    const p = guestPaths(this.runDir, vmid);
    await Promise.all([p.pid, p.qmp, p.vnc, p.serial].map((f) => rm(f, { force: true })));
  }

  private async firmware(config: GuestConfig, paths: GuestPaths): Promise<{ code: string; vars: string } | null> {
    if (config.bios !== 'ovmf') return null;
    for (const fw of this.ovmf) {
      if ((await exists(fw.code)) && (await exists(fw.vars))) {
        if (!(await exists(paths.efivars))) await copyFile(fw.vars, paths.efivars);
        return { code: fw.code, vars: paths.efivars };
      }
    }
    const tried = this.ovmf.map((f) => f.code).join(', ');
    throw new DriverError('UNSUPPORTED', `bios ovmf needs OVMF firmware (Debian package ovmf); none found: ${tried}`, {
      field: 'bios',
    });
  }

  private async doStart(config: GuestConfig, options: StartOptions = {}): Promise<GuestStatus> {
    const { vmid } = config;
    await mkdir(this.runDir, { recursive: true, mode: 0o700 });
    const current = await this.status(vmid).catch((e: unknown) => {
      // A live QEMU whose QMP does not answer is still running.
      if (e instanceof DriverError && e.code === 'CONTROL_FAILED') {
        throw new DriverError('ALREADY_RUNNING', e.message, { cause: e });
      }
      throw e;
    });
    if (current.state !== 'stopped') {
      throw new DriverError('ALREADY_RUNNING', `guest ${vmid} is already ${current.state} (pid ${current.pid})`);
    }
    await this.removeRuntimeFiles(vmid);
    const paths = guestPaths(this.runDir, vmid);
    const argv = buildQemuArgv(config, {
      runDir: this.runDir,
      accel: await this.accelerator(),
      firmware: await this.firmware(config, paths),
      paused: options.paused,
    });

    // O_APPEND: QEMU's -D stream writes to the same file.
    await rm(paths.log, { force: true });
    const log = await open(paths.log, 'a', 0o640);
    let exit: { code: number | null; signal: NodeJS.Signals | null; error?: Error };
    try {
      exit = await new Promise((resolve) => {
        const child = spawn(this.qemuBinary, argv, { stdio: ['ignore', log.fd, log.fd] });
        const timer = setTimeout(() => child.kill('SIGKILL'), this.startTimeoutMs);
        child.on('error', (error) => {
          clearTimeout(timer);
          resolve({ code: null, signal: null, error });
        });
        child.on('exit', (code, signal) => {
          clearTimeout(timer);
          resolve({ code, signal });
        });
      });
    } finally {
      await log.close();
    }
    if (exit.error || exit.code !== 0) {
      await this.removeRuntimeFiles(vmid);
      const said = (await readFile(paths.log, 'utf8').catch(() => '')).trim();
      const why = exit.error
        ? `cannot run ${this.qemuBinary}: ${exit.error.message}`
        : said ||
          (exit.signal
            ? `QEMU was killed (${exit.signal}) after ${this.startTimeoutMs} ms without finishing its start`
            : `QEMU exited with status ${exit.code} and no message`);
      throw new DriverError('START_FAILED', `guest ${vmid} did not start: ${why}`);
    }
    const st = await this.status(vmid);
    if (st.state === 'stopped') {
      throw new DriverError('START_FAILED', `guest ${vmid} stopped right after starting: ${st.reason ?? 'no reason'}`);
    }
    return st;
  }

  private async doShutdown(vmid: number, options: ShutdownOptions): Promise<GuestStatus> {
    const st = await this.status(vmid);
    if (st.state === 'stopped' || st.pid === null) return st;
    if (st.state === 'paused') {
      if (options.forceStop) return this.doStop(vmid);
      throw new DriverError(
        'PAUSED',
        `guest ${vmid} is paused and cannot react to a shutdown; resume it or force the stop`,
      );
    }
    await this.withQmp(vmid, (q) => q.execute('system_powerdown'));
    if (await waitForExit(st.pid, options.timeoutMs)) {
      await this.removeRuntimeFiles(vmid);
      return stopped(vmid, null);
    }
    if (options.forceStop) return this.doStop(vmid);
    throw new DriverError(
      'TIMEOUT',
      `guest ${vmid} did not power off within ${Math.round(options.timeoutMs / 1000)} s of the ACPI request and is still running; stop it, or shut down with forceStop`,
    );
  }

  private async doStop(vmid: number): Promise<GuestStatus> {
    const proc = await this.process(vmid);
    if (proc?.alive) {
      await this.withQmp(vmid, (q) => q.execute('quit', undefined, { timeoutMs: 3_000 })).catch(() => undefined);
      if (!(await waitForExit(proc.pid, this.quitTimeoutMs))) {
        const still = await this.process(vmid);
        if (still?.alive) process.kill(still.pid, 'SIGKILL');
        if (!(await waitForExit(proc.pid, 10_000))) {
          throw new DriverError('CONTROL_FAILED', `guest ${vmid}: QEMU (pid ${proc.pid}) survived SIGKILL`);
        }
      }
    }
    await this.removeRuntimeFiles(vmid);
    return stopped(vmid, null);
  }
}

function stopped(vmid: number, reason: string | null): GuestStatus {
  return { vmid, state: 'stopped', qmpStatus: null, pid: null, uptimeSeconds: null, reason };
}
