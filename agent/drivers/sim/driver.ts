import { DriverError } from '../errors';
import type {
  DriverCapabilities,
  GuestConfig,
  GuestCounters,
  GuestDriver,
  GuestStatus,
  ShutdownOptions,
} from '../types';
import { simulatedCounters } from './usage';

type SimGuest = {
  state: 'running' | 'paused';
  pid: number;
  startedAt: number;
  config: GuestConfig;
};

/**
 * The guests a simulated host runs. Pass the same state to a new SimDriver to
 * simulate an agent restart (guests outlive the agent, as with QEMU).
 */
export type SimState = { guests: Map<number, SimGuest>; nextPid: number; stoppedReasons: Map<number, string> };

export function createSimState(): SimState {
  return { guests: new Map(), nextPid: 100_000, stoppedReasons: new Map() };
}

export type SimDriverOptions = {
  state?: SimState;
  /** Whether simulated guests answer ACPI power-down; default true. */
  acpi?: boolean | ((config: GuestConfig) => boolean);
  /** Pretend hardware acceleration; default true. */
  kvm?: boolean;
};

/**
 * A stateful simulated guest driver for scale tests of the control plane
 * (hundreds of nodes, thousands of guests in one process): guests start and
 * stop at once, statuses are consistent, nothing touches the host. It
 * validates like a real driver, but never stands in for QEMU in a test that
 * claims a real feature.
 */
export class SimDriver implements GuestDriver {
  readonly kind = 'qemu' as const;
  readonly state: SimState;
  private readonly acpi: (config: GuestConfig) => boolean;
  private readonly kvm: boolean;

  constructor(options: SimDriverOptions = {}) {
    this.state = options.state ?? createSimState();
    const acpi = options.acpi ?? true;
    this.acpi = typeof acpi === 'function' ? acpi : () => acpi;
    this.kvm = options.kvm ?? true;
  }

  async capabilities(): Promise<DriverCapabilities> {
    return {
      kind: 'qemu',
      snapshots: false,
      snapshotsWithMemory: false,
      liveMigration: false,
      sharedStorage: false,
      thinProvisioning: true,
      pause: true,
      reset: true,
      consoles: [],
      hardwareAcceleration: this.kvm,
    };
  }

  private statusOf(vmid: number): GuestStatus {
    const g = this.state.guests.get(vmid);
    if (!g) {
      return {
        vmid,
        state: 'stopped',
        qmpStatus: null,
        pid: null,
        uptimeSeconds: null,
        reason: this.state.stoppedReasons.get(vmid) ?? null,
      };
    }
    return {
      vmid,
      state: g.state,
      qmpStatus: g.state,
      pid: g.pid,
      uptimeSeconds: Math.floor((Date.now() - g.startedAt) / 1000),
      reason: null,
    };
  }

  private live(vmid: number): SimGuest {
    const g = this.state.guests.get(vmid);
    if (!g) throw new DriverError('NOT_RUNNING', `guest ${vmid} is not running`);
    return g;
  }

  async start(config: GuestConfig): Promise<GuestStatus> {
    if (!Number.isInteger(config.vmid) || config.vmid < 100) {
      throw new DriverError('INVALID_CONFIG', `vmid must be an integer >= 100, got ${config.vmid}`, { field: 'vmid' });
    }
    if (this.state.guests.has(config.vmid))
      throw new DriverError('ALREADY_RUNNING', `guest ${config.vmid} is running already`);
    this.state.guests.set(config.vmid, { state: 'running', pid: this.state.nextPid++, startedAt: Date.now(), config });
    this.state.stoppedReasons.delete(config.vmid);
    return this.statusOf(config.vmid);
  }

  async status(vmid: number): Promise<GuestStatus> {
    return this.statusOf(vmid);
  }

  async shutdown(vmid: number, options: ShutdownOptions): Promise<GuestStatus> {
    const g = this.state.guests.get(vmid);
    if (!g) return this.statusOf(vmid);
    if (g.state === 'paused' && !options.forceStop) {
      throw new DriverError(
        'PAUSED',
        `guest ${vmid} is paused and cannot react to ACPI; resume it first or force the stop`,
      );
    }
    if (g.state === 'running' && this.acpi(g.config)) {
      this.state.guests.delete(vmid);
      return this.statusOf(vmid);
    }
    await new Promise((r) => setTimeout(r, options.timeoutMs));
    if (!options.forceStop)
      throw new DriverError('TIMEOUT', `guest ${vmid} did not power off within ${options.timeoutMs} ms`);
    this.state.guests.delete(vmid);
    return this.statusOf(vmid);
  }

  async stop(vmid: number): Promise<GuestStatus> {
    this.state.guests.delete(vmid);
    return this.statusOf(vmid);
  }

  async reboot(config: GuestConfig, options: { timeoutMs: number }): Promise<GuestStatus> {
    await this.shutdown(config.vmid, { timeoutMs: options.timeoutMs, forceStop: true });
    return this.start(config);
  }

  async reset(vmid: number): Promise<void> {
    this.live(vmid);
  }

  async pause(vmid: number): Promise<void> {
    this.live(vmid).state = 'paused';
  }

  async resume(vmid: number): Promise<void> {
    this.live(vmid).state = 'running';
  }

  async recover(): Promise<GuestStatus[]> {
    return [...this.state.guests.keys()].map((vmid) => this.statusOf(vmid));
  }

  async forget(vmid: number): Promise<void> {
    this.state.guests.delete(vmid);
    this.state.stoppedReasons.delete(vmid);
  }

  async sampleGuest(vmid: number): Promise<GuestCounters> {
    const g = this.state.guests.get(vmid);
    return simulatedCounters(vmid, g ? { ...g, uptimeSeconds: (Date.now() - g.startedAt) / 1000 } : null);
  }

  /** Simulates the guest's process dying (crash tests of the control plane). */
  crash(vmid: number, reason = 'simulated crash'): void {
    this.state.guests.delete(vmid);
    this.state.stoppedReasons.set(vmid, reason);
  }
}
