import { z } from 'zod';
import type { Check } from '@/server/access/check';
import { ZUserid } from '@/server/access/userid';
import { byOf } from '@/server/services/access/by';
import {
  createToken,
  deleteToken,
  listTokens,
  updateToken,
  ZCreateToken,
  ZTokenRef,
  ZTokenRow,
  ZUpdateToken,
} from '@/server/services/access/tokens';
import { checkedProcedure, router } from '@/server/trpc';

/**
 * Proxmox: `['or', ['userid-param', 'self'], ['perm', '/access/users/{userid}', ['User.Modify']]]`.
 * A user id cannot be an ACL path segment ('@' fails `normalize_path`), so only
 * entries propagated from / or /access can grant it there: /access/users is the
 * same decision, expressed with a path that normalises.
 */
const SELF_OR_USER_ADMIN: Check = {
  test: 'or',
  checks: [{ test: 'self' }, { test: 'perm', path: '/access/users', privileges: ['User.Modify'] }],
};

export const tokensRouter = router({
  list: checkedProcedure(SELF_OR_USER_ADMIN)
    .input(z.object({ userid: ZUserid }))
    .output(z.array(ZTokenRow))
    .query(({ ctx, input }) => listTokens(ctx.db, input.userid)),

  /** Returns the secret once; it is stored only as a SHA-256. */
  create: checkedProcedure(SELF_OR_USER_ADMIN)
    .input(ZCreateToken)
    .output(z.object({ tokenid: z.string(), secret: z.string() }))
    .mutation(({ ctx, input }) => createToken(ctx.db, byOf(ctx), input)),

  update: checkedProcedure(SELF_OR_USER_ADMIN)
    .input(ZUpdateToken)
    .output(z.object({ tokenid: z.string() }))
    .mutation(({ ctx, input }) => updateToken(ctx.db, byOf(ctx), input)),

  delete: checkedProcedure(SELF_OR_USER_ADMIN)
    .input(ZTokenRef)
    .output(z.object({ tokenid: z.string() }))
    .mutation(({ ctx, input }) => deleteToken(ctx.db, byOf(ctx), input)),
});
