/**
 * Errors of the storage layer; the agent's HTTP layer maps them onto its API.
 *
 * - `INVALID`: a volume id or file name broke a rule; `field` names the input.
 * - `NOT_FOUND`: no such volume or storage.
 * - `EXISTS`: the volume is there already.
 * - `NO_SPACE`: the storage has less free space than asked for.
 * - `TOOL_FAILED`: a host tool (qemu-img) failed; the message is its own.
 * - `SIZE_MISMATCH`: an upload ended with more or fewer bytes than announced.
 */
export type StorageErrorCode = 'INVALID' | 'NOT_FOUND' | 'EXISTS' | 'NO_SPACE' | 'TOOL_FAILED' | 'SIZE_MISMATCH';

export class StorageError extends Error {
  readonly code: StorageErrorCode;
  readonly field?: string;

  constructor(code: StorageErrorCode, message: string, options?: { field?: string; cause?: unknown }) {
    super(message, { cause: options?.cause });
    this.name = 'StorageError';
    this.code = code;
    this.field = options?.field;
  }
}
