/**
 * The contract between the agent and its guest drivers: one driver per guest
 * kind (`agent/drivers/qemu`, later `agent/drivers/lxc`), each declaring what it
 * can do. Drivers touch the host; they keep no cluster-wide state.
 */

/** The kinds of guests a node can run. */
export type GuestKind = 'qemu' | 'lxc';

/** What a driver (and the host under it) can do; the console shows or hides features from this. */
export type DriverCapabilities = {
  kind: GuestKind;
  /** Snapshots of disks while the guest runs or is stopped. */
  snapshots: boolean;
  /** Snapshots that include the guest's RAM, so a rollback resumes it running. */
  snapshotsWithMemory: boolean;
  /** Moving a running guest to another node without stopping it. */
  liveMigration: boolean;
  /** Guests whose disks sit on storage every node reaches. */
  sharedStorage: boolean;
  /** Disks that take host space only as they are written (qcow2, sparse raw). */
  thinProvisioning: boolean;
  /** Freezing a guest's CPUs and thawing them again. */
  pause: boolean;
  /** Hardware reset without stopping the process. */
  reset: boolean;
  /** The consoles a guest can expose. */
  consoles: readonly ('vnc' | 'serial')[];
  /** Hardware acceleration in use; `false` means emulation (TCG), which is slow. */
  hardwareAcceleration: boolean;
};

/** Highest index per bus, as in Proxmox (ide0-3, sata0-5, scsi0-30, virtio0-15). */
export const SLOT_LIMITS = { ide: 3, sata: 5, scsi: 30, virtio: 15 } as const;
export type SlotBus = keyof typeof SLOT_LIMITS;

/** Disk attachment slots, as Proxmox names them: bus plus index. */
export type DiskSlot = `scsi${number}` | `virtio${number}` | `sata${number}` | `ide${number}`;

export type DiskFormat = 'qcow2' | 'raw';

export type DiskConfig = {
  slot: DiskSlot;
  /** Absolute path of the image on this host, as resolved by the storage layer. */
  path: string;
  format: DiskFormat;
};

export type NicModel = 'virtio' | 'e1000';

export type NicConfig = {
  model: NicModel;
  /** Unicast MAC address, `aa:bb:cc:dd:ee:ff`. */
  mac: string;
};

/** A boot device: a disk slot, `ide2` (the CD-ROM) or `netN`. */
export type BootDevice = DiskSlot | `net${number}`;

export type VgaType = 'std' | 'virtio' | 'qxl' | 'cirrus' | 'none';

/** The hardware of one guest, as the agent hands it to a driver on start. */
export type GuestConfig = {
  /** Cluster-unique id, >= 100 (Proxmox's range). */
  vmid: number;
  /** A DNS name (Proxmox's rule). */
  name: string;
  cores: number;
  sockets: number;
  memoryMiB: number;
  machine: 'q35' | 'i440fx';
  bios: 'seabios' | 'ovmf';
  disks: DiskConfig[];
  /** An ISO in the CD-ROM drive (slot `ide2`, as in Proxmox), or no drive. */
  cdrom: { path: string } | null;
  /** Devices to boot from, in order; empty leaves it to the firmware. */
  boot: BootDevice[];
  /** NICs `net0`, `net1` ... in order; user-mode networking for now. */
  nics: NicConfig[];
  /** A serial port whose other end is a unix socket the agent can expose. */
  serial: boolean;
  vga: VgaType;
  /**
   * Boot a kernel directly instead of through the firmware's boot devices
   * (appliances, tests). Paths are absolute on this host.
   */
  kernel?: { path: string; initrd?: string; cmdline?: string };
};

/** What the guest is doing, as seen by its user. */
export type GuestState = 'running' | 'paused' | 'stopped';

/** A guest's runtime status, read from the host at the time of the call, never cached. */
export type GuestStatus = {
  vmid: number;
  state: GuestState;
  /** The hypervisor's own word for its state (QMP `query-status`), null when stopped. */
  qmpStatus: string | null;
  /** The hypervisor's process id, null when stopped. */
  pid: number | null;
  /** Seconds since the process started, null when stopped. */
  uptimeSeconds: number | null;
  /**
   * Why a guest is stopped when its process died rather than stopped cleanly.
   * From `recover()` only: also why the state of a live process could not be
   * read (then `qmpStatus` is null). Null otherwise.
   */
  reason: string | null;
};

export type StartOptions = {
  /** Start with the CPUs stopped (QEMU `-S`), e.g. to load a snapshot's RAM state before they run. */
  paused?: boolean;
};

/**
 * Cumulative usage counters of a guest, read at the time of the call; the
 * metrics sampler (agent/metrics) turns two readings into rates. Null where
 * the host cannot tell (user-mode NICs have no byte counters).
 */
export type GuestCounters = {
  state: GuestState;
  /** Changes when the guest's process is replaced (restart): counters start again from zero. */
  instance: string | null;
  /** CPU time of the guest's process (all its threads), seconds. */
  cpuSeconds: number | null;
  /** Resident memory of the guest's process, bytes. */
  memBytes: number;
  diskReadBytes: number | null;
  diskWriteBytes: number | null;
  diskReadOps: number | null;
  diskWriteOps: number | null;
  /** Bytes the guest received and sent. */
  netInBytes: number | null;
  netOutBytes: number | null;
  uptimeSeconds: number;
};

/** The counters of a guest without a process (stopped, or not readable): nothing to count. */
export function idleCounters(state: GuestCounters['state']): GuestCounters {
  return {
    state,
    instance: null,
    cpuSeconds: null,
    memBytes: 0,
    diskReadBytes: null,
    diskWriteBytes: null,
    diskReadOps: null,
    diskWriteOps: null,
    netInBytes: null,
    netOutBytes: null,
    uptimeSeconds: 0,
  };
}

export type ShutdownOptions = {
  /** How long the guest may take to power off after the ACPI request. */
  timeoutMs: number;
  /** Stop it hard when it did not power off in time (else the call fails with TIMEOUT). */
  forceStop: boolean;
};

/**
 * One driver per guest kind. Every method validates its input before anything
 * reaches a path or an argument, reads state from the host (never from memory),
 * and throws a `DriverError` with the tool's own message on failure.
 *
 * Guests outlive the agent: a new driver instance on the same run directory
 * sees the guests of the previous one (`recover`).
 */
export type GuestDriver = {
  readonly kind: GuestKind;

  /** What this driver can do on this host (resolves hardware probes once). */
  capabilities(): Promise<DriverCapabilities>;

  /**
   * Starts the guest and returns once its control channel answers.
   * Fails with ALREADY_RUNNING, INVALID_CONFIG, UNSUPPORTED or START_FAILED
   * (whose message is the hypervisor's stderr).
   */
  start(config: GuestConfig, options?: StartOptions): Promise<GuestStatus>;

  /** The guest's current status; a guest whose process died is `stopped` with a `reason`. */
  status(vmid: number): Promise<GuestStatus>;

  /**
   * Asks the guest to power off (ACPI power button) and waits for it.
   * On a guest that is already stopped it returns its status. A paused guest
   * cannot see the request: with `forceStop` it is stopped, else PAUSED.
   * Fails with TIMEOUT when the guest ignores the request and `forceStop` is false.
   */
  shutdown(vmid: number, options: ShutdownOptions): Promise<GuestStatus>;

  /** Stops the guest at once, like pulling the plug; the guest OS is not asked. */
  stop(vmid: number): Promise<GuestStatus>;

  /**
   * Proxmox's reboot: a shutdown (forced after the timeout) followed by a start
   * with `config`, so pending hardware changes take effect. NOT_RUNNING on a stopped guest.
   */
  reboot(config: GuestConfig, options: { timeoutMs: number }): Promise<GuestStatus>;

  /** Hardware reset of a running guest; the process stays. NOT_RUNNING on a stopped guest (as pause, resume). */
  reset(vmid: number): Promise<void>;

  /** Freezes the guest's CPUs. */
  pause(vmid: number): Promise<void>;

  /** Thaws a paused guest. */
  resume(vmid: number): Promise<void>;

  /**
   * After an agent restart: finds the guests that the run directory says were
   * started (pid files, control sockets), and returns their statuses; the
   * live ones are running or paused, dead ones are stopped with a reason. A
   * live process whose control channel does not answer is listed as running
   * with `qmpStatus` null and the failure as `reason`, not left out.
   */
  recover(): Promise<GuestStatus[]>;

  /**
   * Removes what the driver kept for a deleted, stopped guest (its log, its
   * UEFI variable store), so that a new guest with the same vmid starts clean.
   */
  forget(vmid: number): Promise<void>;

  /**
   * Usage counters for the metrics sampler. Cheap: one short control-channel
   * exchange at most, queued behind other users of it like every other call.
   * Optional: a driver without it reports its guests with status and sizes only.
   */
  sampleGuest?(vmid: number): Promise<GuestCounters>;
};
