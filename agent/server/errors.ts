import { ZodError } from 'zod';
import { AGENT_ERROR_STATUS, type AgentErrorBody, type AgentErrorCode } from '../contract/errors';
import { DriverError, type DriverErrorCode } from '../drivers/errors';
import { InvalidNameError } from '../lib/names';
import { StorageError, type StorageErrorCode } from '../storage/errors';
import { TaskLockedError } from '../tasks/runner';

/** An error the agent answers with as is; `field` names the input at fault. */
export class AgentError extends Error {
  readonly code: AgentErrorCode;
  readonly field?: string;
  readonly upid?: string;

  constructor(code: AgentErrorCode, message: string, options?: { field?: string; upid?: string; cause?: unknown }) {
    super(message, { cause: options?.cause });
    this.name = 'AgentError';
    this.code = code;
    this.field = options?.field;
    this.upid = options?.upid;
  }
}

const STORAGE_CODES: Record<StorageErrorCode, AgentErrorCode> = {
  INVALID: 'INVALID_INPUT',
  NOT_FOUND: 'NOT_FOUND',
  EXISTS: 'CONFLICT',
  NO_SPACE: 'INVALID_INPUT',
  TOOL_FAILED: 'TASK_FAILED',
  SIZE_MISMATCH: 'INVALID_INPUT',
};

const DRIVER_CODES: Record<DriverErrorCode, AgentErrorCode> = {
  INVALID_CONFIG: 'INVALID_INPUT',
  ALREADY_RUNNING: 'CONFLICT',
  NOT_RUNNING: 'CONFLICT',
  PAUSED: 'CONFLICT',
  START_FAILED: 'TASK_FAILED',
  TIMEOUT: 'TASK_FAILED',
  CONTROL_FAILED: 'TASK_FAILED',
  UNSUPPORTED: 'INVALID_INPUT',
  HOST_TOOL_FAILED: 'TASK_FAILED',
};

/** Turns a zod issue path into the dotted field name the API reports (`disks.0.sizeMiB`). */
export function zodField(e: ZodError, prefix?: string): string | undefined {
  const p = e.issues[0]?.path.map(String).join('.');
  if (prefix && p) return `${prefix}.${p}`;
  return p || prefix;
}

/** Maps any thrown value onto the API's error answer. */
export function toAgentError(e: unknown): AgentError {
  if (e instanceof AgentError) return e;
  if (e instanceof ZodError) {
    const field = zodField(e);
    const issue = e.issues[0];
    return new AgentError('INVALID_INPUT', `${field ?? 'input'}: ${issue?.message ?? 'invalid'}`, { field });
  }
  if (e instanceof TaskLockedError) return new AgentError('VM_LOCKED', e.message, { upid: e.upid });
  if (e instanceof StorageError) return new AgentError(STORAGE_CODES[e.code], e.message, { field: e.field });
  if (e instanceof DriverError) return new AgentError(DRIVER_CODES[e.code], e.message, { field: e.field });
  if (e instanceof InvalidNameError) return new AgentError('INVALID_INPUT', e.message, { field: e.field });
  return new AgentError('INTERNAL', e instanceof Error ? e.message : String(e), { cause: e });
}

export function errorBody(e: AgentError): { status: number; body: AgentErrorBody } {
  const error: AgentErrorBody['error'] = { code: e.code, message: e.message };
  if (e.field !== undefined) error.field = e.field;
  if (e.upid !== undefined) error.upid = e.upid;
  return { status: AGENT_ERROR_STATUS[e.code], body: { error } };
}
