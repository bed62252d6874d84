/**
 * Errors thrown by guest drivers. The agent maps them onto its API; the message
 * always says what went wrong and, where it can, carries the tool's own words.
 *
 * Codes:
 * - `INVALID_CONFIG`: a config value is refused before it reaches a path or an argument; `field` names it.
 * - `ALREADY_RUNNING`: start of a guest whose process is alive.
 * - `NOT_RUNNING`: an operation that needs a live guest (pause, reset ...) on a stopped one.
 * - `PAUSED`: a paused guest cannot react to an ACPI shutdown; resume it first, or force the stop.
 * - `START_FAILED`: the hypervisor refused to start; the message is its own stderr.
 * - `TIMEOUT`: the guest did not reach the wanted state in time (e.g. ignored an ACPI power-down).
 * - `CONTROL_FAILED`: the control channel (QMP) failed or refused a command; the message has its reason.
 * - `UNSUPPORTED`: the host lacks what the config asks for (e.g. OVMF firmware not installed).
 * - `HOST_TOOL_FAILED`: a host tool (qemu-img ...) failed; the message is its stderr.
 */
export type DriverErrorCode =
  | 'INVALID_CONFIG'
  | 'ALREADY_RUNNING'
  | 'NOT_RUNNING'
  | 'PAUSED'
  | 'START_FAILED'
  | 'TIMEOUT'
  | 'CONTROL_FAILED'
  | 'UNSUPPORTED'
  | 'HOST_TOOL_FAILED';

export class DriverError extends Error {
  readonly code: DriverErrorCode;
  /** The config field at fault, for INVALID_CONFIG. */
  readonly field?: string;

  constructor(code: DriverErrorCode, message: string, options?: { field?: string; cause?: unknown }) {
    super(message, { cause: options?.cause });
    this.name = 'DriverError';
    this.code = code;
    this.field = options?.field;
  }
}

export function isDriverError(e: unknown, code?: DriverErrorCode): e is DriverError {
  return e instanceof DriverError && (code === undefined || e.code === code);
}
