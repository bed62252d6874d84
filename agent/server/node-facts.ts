import { readFile } from 'node:fs/promises';
import os from 'node:os';
import type { NodeStatus } from '../contract/node';
import type { GuestDriver } from '../drivers/types';
import { exec } from '../lib/exec';

export const AGENT_VERSION = '0.1.0';

let qemuVersion: Promise<string | null> | null = null;

/** `qemu-system-x86_64 --version` → `7.2.19`; read once per process. */
export function readQemuVersion(): Promise<string | null> {
  qemuVersion ??= exec('qemu-system-x86_64', ['--version'], { timeoutMs: 10_000 }).then(
    ({ stdout }) => /version\s+(\S+)/i.exec(stdout)?.[1] ?? (stdout.split('\n')[0]?.trim() || null),
    () => null,
  );
  return qemuVersion;
}

let cpuModel: Promise<string> | null = null;

function readCpuModel(): Promise<string> {
  cpuModel ??= readFile('/proc/cpuinfo', 'utf8').then(
    (text) => /^model name\s*:\s*(.+)$/m.exec(text)?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown',
    () => os.cpus()[0]?.model ?? 'unknown',
  );
  return cpuModel;
}

/** Host facts, read at the time of the call (QEMU version and CPU model once per process). */
export async function nodeStatus(name: string, driverName: 'qemu' | 'sim', driver: GuestDriver): Promise<NodeStatus> {
  const [model, qemu, caps] = await Promise.all([readCpuModel(), readQemuVersion(), driver.capabilities()]);
  const [l1 = 0, l5 = 0, l15 = 0] = os.loadavg();
  return {
    name,
    agentVersion: AGENT_VERSION,
    driver: driverName,
    cpu: { model, count: os.cpus().length, loadAverage: [l1, l5, l15] },
    memory: { totalBytes: os.totalmem(), freeBytes: os.freemem() },
    uptimeSeconds: os.uptime(),
    kernel: os.release(),
    qemuVersion: qemu,
    kvm: { usable: caps.hardwareAcceleration, accel: caps.hardwareAcceleration ? 'kvm' : 'tcg' },
    capabilities: { ...caps, consoles: [...caps.consoles] },
  };
}
