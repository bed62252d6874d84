import { ZodError } from 'zod';
import { AppError, isAppError } from '@/server/errors';

/**
 * A failure as Proxmox reports it: the HTTP status, the status line's text
 * (clients read it: proxmoxer puts it in its exception, Ansible matches on it),
 * and for parameter errors the `errors` object keyed by parameter.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly errors?: Record<string, string>;

  constructor(status: number, message: string, errors?: Record<string, string>) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.errors = errors;
  }
}

export const PARAM_FAILED = 'Parameter verification failed.';

/** 400 "Parameter verification failed." naming each parameter at fault. */
export function paramError(errors: Record<string, string>): ApiError {
  return new ApiError(400, PARAM_FAILED, errors);
}

export function paramErrorOf(param: string, message: string): ApiError {
  return paramError({ [param]: message });
}

/** A zod failure on an endpoint's parameters: each issue under its top-level parameter. */
export function fromZod(e: ZodError, rename: (path: string) => string = (p) => p): ApiError {
  const errors: Record<string, string> = {};
  for (const issue of e.issues) {
    const key = rename(issue.path.map(String).join('.')) || 'parameters';
    errors[key] ??= issue.code === 'unrecognized_keys' ? `property is not defined in schema` : issue.message;
    if (issue.code === 'unrecognized_keys') for (const k of issue.keys) errors[k] = 'property is not defined in schema';
  }
  delete errors.parameters;
  if (Object.keys(errors).length === 0) errors.parameters = e.issues[0]?.message ?? 'invalid';
  return paramError(errors);
}

/**
 * A service's AppError as Proxmox would answer: bad input is a 400 naming the
 * field (translated to the Proxmox parameter by `rename`), authentication 401,
 * permissions 403; everything else is a 500 whose text is the message, as
 * Proxmox's `die` gives (clients match "does not exist", "already exists").
 */
export function fromAppError(e: AppError, rename: (field: string) => string = (f) => f): ApiError {
  switch (e.code) {
    case 'INVALID_INPUT':
      return paramErrorOf(e.field ? rename(e.field) : 'parameters', e.message);
    case 'UNAUTHENTICATED':
      return new ApiError(401, e.message);
    case 'FORBIDDEN':
      return new ApiError(403, e.message);
    default:
      return new ApiError(500, e.message);
  }
}

/** Any thrown value as an ApiError; unknown errors are logged and hidden. */
export function toApiError(e: unknown, rename?: (field: string) => string): ApiError {
  if (e instanceof ApiError) return e;
  if (isAppError(e)) return fromAppError(e, rename);
  if (e instanceof ZodError) return fromZod(e, rename);
  console.error('api2 request failed:', e);
  return new ApiError(500, 'internal error; see the console log');
}
