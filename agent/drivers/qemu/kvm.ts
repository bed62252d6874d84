import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { QmpClient } from './qmp';

export type AccelProbe = {
  /** The accelerator works and boots firmware quickly enough to run guests. */
  usable: boolean;
  /** Why not, or what was seen. */
  detail: string;
  /** QMP `query-kvm` of the probe, when it got that far. */
  kvm: { enabled: boolean; present: boolean } | null;
  /** Milliseconds from start to SeaBIOS giving up on boot devices, when it got there. */
  firmwareMs: number | null;
};

/** SeaBIOS on TCG reaches "No bootable device" in about 0.2 s here; a working KVM is faster. */
const FIRMWARE_BUDGET_MS = 3_000;

async function pollUntil<T>(fn: () => Promise<T | null>, timeoutMs: number, intervalMs = 25): Promise<T | null> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== null || Date.now() >= deadline) return v;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * Boots an empty machine with one accelerator: SeaBIOS runs, finds nothing to
 * boot, and says so on the debug console. That catches a KVM that opens but
 * crawls (nested hosts) or aborts, which `/dev/kvm` existing does not.
 */
export async function probeAccelerator(accel: 'kvm' | 'tcg', qemuBinary = 'qemu-system-x86_64'): Promise<AccelProbe> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'horcrux-accel-'));
  const debugLog = path.join(dir, 'seabios.log');
  const qmpPath = path.join(dir, 'qmp.sock');
  const args = [
    ...['-accel', accel, '-machine', 'pc', '-nodefaults', '-no-user-config', '-display', 'none', '-m', '32'],
    ...['-chardev', `file,id=dbg,path=${debugLog}`, '-device', 'isa-debugcon,iobase=0x402,chardev=dbg'],
    ...['-qmp', `unix:${qmpPath},server=on,wait=off`, '-boot', 'strict=on'],
  ];
  const started = Date.now();
  const child = spawn(qemuBinary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  let exited = false;
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exit = new Promise<void>((resolve) => {
    child.on('exit', () => {
      exited = true;
      resolve();
    });
    child.on('error', (e) => {
      stderr += e.message;
      exited = true;
      resolve();
    });
  });
  const result: AccelProbe = { usable: false, detail: '', kvm: null, firmwareMs: null };
  try {
    const booted = await pollUntil(async () => {
      if (exited) return false;
      const log = await readFile(debugLog, 'utf8').catch(() => '');
      return log.includes('No bootable device') ? true : null;
    }, FIRMWARE_BUDGET_MS);
    if (booted) result.firmwareMs = Date.now() - started;
    if (!exited) {
      const qmp = await QmpClient.connect(qmpPath, { timeoutMs: 2_000 }).catch(() => null);
      if (qmp) {
        result.kvm = await qmp.execute('query-kvm').catch(() => null);
        await qmp.close();
      }
    }
    if (exited) result.detail = `QEMU with -accel ${accel} quit: ${stderr.trim() || 'no message'}`;
    else if (!booted) result.detail = `firmware did not finish within ${FIRMWARE_BUDGET_MS} ms (accelerator too slow)`;
    else if (accel === 'kvm' && !(result.kvm?.enabled && result.kvm.present)) {
      result.detail = `query-kvm says ${JSON.stringify(result.kvm)}`;
    } else {
      result.usable = true;
      result.detail = `firmware ran in ${result.firmwareMs} ms`;
    }
    return result;
  } finally {
    if (!exited) child.kill('SIGKILL');
    await exit;
    await rm(dir, { recursive: true, force: true });
  }
}

const cache = new Map<string, Promise<AccelProbe>>();

/**
 * Whether KVM is worth using on this host, probed once per QEMU binary and
 * then cached. A missing or inaccessible /dev/kvm answers at once.
 */
export function kvmUsable(qemuBinary = 'qemu-system-x86_64'): Promise<AccelProbe> {
  let probe = cache.get(qemuBinary);
  if (!probe) {
    probe = access('/dev/kvm', constants.R_OK | constants.W_OK).then(
      () => probeAccelerator('kvm', qemuBinary),
      (e: NodeJS.ErrnoException) => ({
        usable: false,
        detail: `/dev/kvm is not usable (${e.code ?? e.message})`,
        kvm: null,
        firmwareMs: null,
      }),
    );
    cache.set(qemuBinary, probe);
  }
  return probe;
}
