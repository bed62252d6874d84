import { initTRPC, TRPCError } from '@trpc/server';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server/unstable-core-do-not-import';
import { ZodError } from 'zod';
import { actorName, type Actor } from '@/server/access/actor';
import { evaluateCheck, type Check } from '@/server/access/check';
import type { Privilege } from '@/server/access/privileges';
import type { Db } from '@/server/db';
import { AppError, type AppErrorCode } from '@/server/errors';
import { transformer } from '@/server/trpc-transformer';
import { groupsOfUser, loadPermissions, requestPermissions } from '@/server/services/access/permissions';
import type { Generations } from '@/server/services/access/sessions';

export type Context = {
  db: Db;
  /** The signed-in user or token; null for anonymous callers. */
  actor: Actor | null;
  client: { ip: string; userAgent: string };
  /**
   * Set per HTTP request: the calls of one batch share the permissions loaded
   * for it. Without it (direct callers in tests) each call loads them afresh.
   */
  requestScope?: object;
  /**
   * The generations a browser request read with its session (none for API
   * tokens and direct callers): while an answer was read at the same one, it
   * may come from memory.
   */
  generations?: Generations;
};

/**
 * Every procedure declares who may call it, once, through the builder it is made
 * from. `path` may name input fields in braces (`/vms/{vmid}`): they are filled
 * from the call's input before the check. The declaration is data, so tests
 * enumerate it (server/routers/access-coverage.int.test.ts).
 */
export type Access =
  | { kind: 'public' }
  | { kind: 'authenticated' }
  | { kind: 'privilege'; privileges: readonly Privilege[]; path: string; mode: 'all' | 'any' }
  /** A Proxmox-style composite check (server/access/check.ts), for rules a single path cannot express. */
  | { kind: 'check'; check: Check };

export type Meta = { access: Access };

const TRPC_CODE: Record<AppErrorCode, TRPC_ERROR_CODE_KEY> = {
  UNAUTHENTICATED: 'UNAUTHORIZED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  INVALID_INPUT: 'BAD_REQUEST',
  RATE_LIMITED: 'TOO_MANY_REQUESTS',
  VM_LOCKED: 'CONFLICT',
  AGENT_UNREACHABLE: 'BAD_GATEWAY',
  TASK_FAILED: 'INTERNAL_SERVER_ERROR',
  INTERNAL: 'INTERNAL_SERVER_ERROR',
};

const t = initTRPC
  .context<Context>()
  .meta<Meta>()
  .create({
    transformer,
    errorFormatter({ shape, error }) {
      const cause = error.cause;
      const zodIssues =
        cause instanceof ZodError ? cause.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) : null;
      return {
        ...shape,
        message: zodIssues ? zodIssues.map((i) => `${i.path || 'input'}: ${i.message}`).join('; ') : shape.message,
        data: {
          ...shape.data,
          stack: undefined,
          appCode: cause instanceof AppError ? cause.code : null,
          field: cause instanceof AppError ? (cause.field ?? null) : (zodIssues?.[0]?.path ?? null),
          issues: zodIssues,
        },
      };
    },
  });

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/** Turns services' AppErrors into tRPC errors; hides internal details of anything else. */
const errors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok) {
    const cause = result.error.cause;
    if (cause instanceof AppError) throw new TRPCError({ code: TRPC_CODE[cause.code], message: cause.message, cause });
  }
  return result;
});

const PATH_VALUE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

function fillPath(template: string, input: unknown): string {
  return template.replace(/\{(\w+)\}/g, (_, field: string) => {
    const value = input && typeof input === 'object' ? (input as Record<string, unknown>)[field] : undefined;
    const text = typeof value === 'number' || typeof value === 'string' ? String(value) : '';
    if (!PATH_VALUE.test(text)) throw new TRPCError({ code: 'BAD_REQUEST', message: `${field}: missing or invalid` });
    return text;
  });
}

/** Checks the declared rule of a non-public procedure; ctx.actor is non-null after it. */
const signedIn = t.middleware(async ({ ctx, meta, getRawInput, next }) => {
  const access = meta?.access;
  // Fail closed: a procedure without a declaration, or a wrong one, serves nobody.
  if (!access || access.kind === 'public') {
    throw new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: 'procedure declares no access rule' });
  }
  const actor = ctx.actor;
  if (!actor) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'not signed in: sign in first' });
  const perms = ctx.requestScope
    ? await requestPermissions(ctx.requestScope, ctx.db, actor, ctx.generations?.access)
    : await loadPermissions(ctx.db, actor);
  if (access.kind === 'privilege') {
    const path = fillPath(access.path, await getRawInput());
    const missing = access.privileges.filter((p) => !perms.has(p, path));
    const ok = access.mode === 'any' ? missing.length < access.privileges.length : missing.length === 0;
    if (!ok) {
      throw new TRPCError({
        code: 'FORBIDDEN',
        message: `permission check failed: ${actorName(actor)} lacks ${missing.join(access.mode === 'any' ? ' or ' : ' and ')} on ${path}`,
      });
    }
  }
  if (access.kind === 'check') {
    const env = {
      actor: { userid: actor.userid, isToken: actor.kind === 'token' },
      has: perms.has,
      groupsOf: (userid: string) => groupsOfUser(ctx.db, userid),
    };
    const denial = await evaluateCheck(access.check, env, await getRawInput());
    if (denial) {
      throw new TRPCError({
        code: 'FORBIDDEN',
        message: `permission check failed: ${actorName(actor)} lacks ${denial.missing}`,
      });
    }
  }
  return next({ ctx: { actor, perms } });
});

const base = t.procedure.use(errors);

/** Anyone, signed in or not: sign-in, first-run setup. Keep this list short. */
export const publicProcedure = base.meta({ access: { kind: 'public' } });

/** Any signed-in user, for what concerns only themself (their sessions, their profile). */
export const authedProcedure = base.meta({ access: { kind: 'authenticated' } }).use(signedIn);

/** A signed-in user holding `privileges` (all of them, or any with mode 'any') on `path`. */
export function guardedProcedure(
  privileges: Privilege | readonly Privilege[],
  path: string,
  mode: 'all' | 'any' = 'all',
) {
  const list = typeof privileges === 'string' ? [privileges] : privileges;
  return base.meta({ access: { kind: 'privilege', privileges: list, path, mode } }).use(signedIn);
}

/** A signed-in caller passing a Proxmox-style composite check (see server/access/check.ts). */
export function checkedProcedure(check: Check) {
  return base.meta({ access: { kind: 'check', check } }).use(signedIn);
}
