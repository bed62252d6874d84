import { z } from 'zod';
import type { Check } from '@/server/access/check';
import { byOf } from '@/server/services/access/by';
import {
  confirmTotp,
  enrolTotp,
  listTfa,
  removeTfa,
  ZTfaRemove,
  ZTfaRow,
  ZTfaUser,
  ZTotpConfirm,
  ZTotpEnrol,
} from '@/server/services/access/tfa';
import { checkedProcedure, router } from '@/server/trpc';

/** Proxmox's `API2::TFA`: the user themself, or User.Modify over them; never an API token (`allowtoken => 0`). */
const CHANGE: Check = {
  test: 'and',
  checks: [
    { test: 'session' },
    { test: 'or', checks: [{ test: 'self' }, { test: 'user-group', privileges: ['User.Modify'] }] },
  ],
};

export const tfaRouter = router({
  list: checkedProcedure({
    test: 'or',
    checks: [{ test: 'self' }, { test: 'user-group', privileges: ['User.Modify', 'Sys.Audit'] }],
  })
    .input(ZTfaUser)
    .output(z.array(ZTfaRow))
    .query(({ ctx, input }) => listTfa(ctx.db, input.userid)),

  /** Returns the otpauth URI to scan (and the secret for typing in); the factor counts once confirmed. */
  enrolTotp: checkedProcedure(CHANGE)
    .input(ZTotpEnrol)
    .output(z.object({ id: z.string(), uri: z.string(), secret: z.string(), qrDataUrl: z.string().nullable() }))
    .mutation(({ ctx, input }) => enrolTotp(ctx.db, byOf(ctx), input)),

  /** Returns ten recovery codes, shown once. */
  confirmTotp: checkedProcedure(CHANGE)
    .input(ZTotpConfirm)
    .output(z.object({ recoveryCodes: z.array(z.string()) }))
    .mutation(({ ctx, input }) => confirmTotp(ctx.db, byOf(ctx), input)),

  /** Removes one factor, or all of them (without `id`): how an administrator resets a user's 2FA. */
  remove: checkedProcedure(CHANGE)
    .input(ZTfaRemove)
    .output(z.object({ removed: z.number() }))
    .mutation(({ ctx, input }) => removeTfa(ctx.db, byOf(ctx), input)),
});
