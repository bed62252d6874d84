import { idleCounters, type GuestConfig, type GuestCounters } from '../types';

/** A fixed pseudo-random number in [0, 1) per guest and purpose, so every guest has its own profile. */
function unit(vmid: number, salt: number): number {
  const x = Math.sin(vmid * 12.9898 + salt * 78.233) * 43758.5453;
  return x - Math.floor(x);
}

/**
 * Plausible usage counters of a simulated guest, in closed form from its uptime
 * (no state to keep for thousands of guests): a per-guest base CPU load with a
 * slow wave on top, steady disk and network traffic, a fixed share of its memory.
 */
export function simulatedCounters(
  vmid: number,
  guest: { state: 'running' | 'paused'; pid: number; config: GuestConfig; uptimeSeconds: number } | null,
): GuestCounters {
  if (!guest) return idleCounters('stopped');
  const t = guest.uptimeSeconds;
  const vcpus = guest.config.cores * guest.config.sockets;
  // CPUs busy: base + amp·sin(ωt), integrated over the uptime.
  const base = vcpus * (0.02 + 0.4 * unit(vmid, 1));
  const amp = base * 0.5;
  const w = (2 * Math.PI) / (600 + 1200 * unit(vmid, 2));
  const cpuSeconds = base * t + (amp * (1 - Math.cos(w * t))) / w;
  const readRate = 4096 * Math.floor(1 + 200 * unit(vmid, 3));
  const writeRate = 4096 * Math.floor(1 + 100 * unit(vmid, 4));
  const netRate = 1000 + 100_000 * unit(vmid, 5);
  return {
    state: guest.state,
    instance: String(guest.pid),
    cpuSeconds,
    memBytes: Math.round(guest.config.memoryMiB * 1024 * 1024 * (0.3 + 0.5 * unit(vmid, 6))),
    diskReadBytes: readRate * t,
    diskWriteBytes: writeRate * t,
    diskReadOps: (readRate / 4096) * t,
    diskWriteOps: (writeRate / 4096) * t,
    netInBytes: netRate * t,
    netOutBytes: netRate * 0.4 * t,
    uptimeSeconds: Math.floor(t),
  };
}
