import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AppError } from '@/server/errors';
import { errorBody, statusText, successBody } from './envelope';
import { ApiError, fromZod, toApiError } from './errors';

describe('envelope', () => {
  it('success is {"data": …} without errors; undefined becomes null', () => {
    expect(successBody({ a: 1 })).toBe('{"data":{"a":1}}');
    expect(successBody(undefined)).toBe('{"data":null}');
    expect(successBody('101')).toBe('{"data":"101"}');
  });

  it('errors carry data null and, for parameters, the errors object', () => {
    expect(errorBody(new ApiError(401, 'authentication failure'))).toBe('{"data":null}');
    expect(errorBody(new ApiError(400, 'Parameter verification failed.', { vmid: 'bad' }))).toBe(
      '{"data":null,"errors":{"vmid":"bad"}}',
    );
  });

  it('the status text is the first line, printable ASCII', () => {
    expect(statusText('VM 100 does not exist\nmore detail')).toBe('VM 100 does not exist');
    expect(statusText('naïve')).toBe('na?ve');
    expect(statusText('')).toBe('error');
  });
});

describe('errors', () => {
  it.each([
    [
      new AppError('INVALID_INPUT', 'memoryMiB: too much', { field: 'memoryMiB' }),
      400,
      'Parameter verification failed.',
    ],
    [new AppError('UNAUTHENTICATED', 'no'), 401, 'no'],
    [new AppError('FORBIDDEN', 'permission check failed'), 403, 'permission check failed'],
    [new AppError('NOT_FOUND', 'VM 100 does not exist'), 500, 'VM 100 does not exist'],
    [
      new AppError('CONFLICT', 'VM 100 already exists: choose another vmid'),
      500,
      'VM 100 already exists: choose another vmid',
    ],
    [new AppError('VM_LOCKED', 'guest 100 is locked by task UPID:…'), 500, 'guest 100 is locked by task UPID:…'],
    [new Error('a bug with a stack'), 500, 'internal error; see the console log'],
  ])('%s → %d', (e, status, message) => {
    const original = console.error;
    console.error = () => undefined;
    const a = toApiError(e, (f) => (f === 'memoryMiB' ? 'memory' : f));
    console.error = original;
    expect([a.status, a.message]).toEqual([status, message]);
    if (status === 400) expect(a.errors).toEqual({ memory: 'memoryMiB: too much' });
  });

  it('zod issues are keyed by parameter; unknown keys are named', () => {
    const r = z.object({ vmid: z.number(), node: z.string() }).strict().safeParse({ vmid: 'x', bogus: 1 });
    expect(r.success).toBe(false);
    const e = fromZod(r.error!);
    expect(e.status).toBe(400);
    expect(Object.keys(e.errors!).sort()).toEqual(['bogus', 'node', 'vmid']);
    expect(e.errors!.bogus).toMatch(/not defined in schema/);
  });
});
