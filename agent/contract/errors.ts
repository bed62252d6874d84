import { z } from 'zod';

/**
 * Error codes the agent answers with; a subset of the console's AppErrorCode,
 * so the client passes them through unchanged.
 *
 * - `UNAUTHENTICATED` (401): no or wrong node token, or the agent has not joined yet.
 * - `NOT_FOUND` (404): no such guest, task, volume, storage or route.
 * - `INVALID_INPUT` (400): the body, query or path broke a rule; `field` names it.
 * - `CONFLICT` (409): the state forbids it (vmid taken, guest running, volume exists).
 * - `VM_LOCKED` (409): a task holds the guest; `upid` names it.
 * - `TASK_FAILED` (500): a host command failed synchronously; the message is the tool's.
 * - `INTERNAL` (500): a bug in the agent.
 */
export const ZAgentErrorCode = z.enum([
  'UNAUTHENTICATED',
  'NOT_FOUND',
  'INVALID_INPUT',
  'CONFLICT',
  'VM_LOCKED',
  'TASK_FAILED',
  'INTERNAL',
]);
export type AgentErrorCode = z.infer<typeof ZAgentErrorCode>;

/** The body of every non-2xx answer. */
export const ZAgentErrorBody = z.object({
  error: z.object({
    code: ZAgentErrorCode,
    message: z.string(),
    /** The input field at fault, dotted (`disks.0.sizeMiB`). */
    field: z.string().optional(),
    /** The running task that holds the lock, for VM_LOCKED. */
    upid: z.string().optional(),
  }),
});
export type AgentErrorBody = z.infer<typeof ZAgentErrorBody>;

export const AGENT_ERROR_STATUS: Record<AgentErrorCode, number> = {
  UNAUTHENTICATED: 401,
  NOT_FOUND: 404,
  INVALID_INPUT: 400,
  CONFLICT: 409,
  VM_LOCKED: 409,
  TASK_FAILED: 500,
  INTERNAL: 500,
};
