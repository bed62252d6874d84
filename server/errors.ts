/**
 * Typed errors thrown by services. Only the tRPC layer (server/trpc.ts) and the
 * HTTP layers turn them into protocol errors, through `httpStatusOf`.
 *
 * Codes:
 * - `UNAUTHENTICATED`: no valid session or token; sign in again.
 * - `FORBIDDEN`: signed in, but lacking a privilege on a path; the message names both.
 * - `NOT_FOUND`: the target does not exist (or the caller may not know that it does).
 * - `CONFLICT`: the target exists already, or the state forbids the change (setup done).
 * - `INVALID_INPUT`: input that passed the schema but breaks a rule; `field` names it.
 * - `RATE_LIMITED`: too many attempts; the message says when to try again.
 * - `VM_LOCKED`: another task holds the guest's lock; the message names the task.
 * - `AGENT_UNREACHABLE`: a node's agent did not answer; the message says how to check it.
 * - `TASK_FAILED`: a host operation failed; the message carries the tool's own words.
 * - `INTERNAL`: a bug; logged with its stack, shown without it.
 */
export type AppErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'INVALID_INPUT'
  | 'RATE_LIMITED'
  | 'VM_LOCKED'
  | 'AGENT_UNREACHABLE'
  | 'TASK_FAILED'
  | 'INTERNAL';

export class AppError extends Error {
  readonly code: AppErrorCode;
  /** The input field at fault, for INVALID_INPUT. */
  readonly field?: string;

  constructor(code: AppErrorCode, message: string, options?: { field?: string; cause?: unknown }) {
    super(message, { cause: options?.cause });
    this.name = 'AppError';
    this.code = code;
    this.field = options?.field;
  }
}

const STATUS: Record<AppErrorCode, number> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  INVALID_INPUT: 400,
  RATE_LIMITED: 429,
  VM_LOCKED: 409,
  AGENT_UNREACHABLE: 502,
  TASK_FAILED: 500,
  INTERNAL: 500,
};

export function httpStatusOf(code: AppErrorCode): number {
  return STATUS[code];
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}
