import { randomUUID } from 'node:crypto';
import QRCode from 'qrcode';
import { z } from 'zod';
import { sameHex, seal, sha256Hex, unseal } from '@/server/access/crypto';
import { verifyPassword } from '@/server/access/password';
import { newRecoveryCodes, newTotpSecret, normalizeRecoveryCode, totpStep, totpUri } from '@/server/access/totp';
import { ZUserid } from '@/server/access/userid';
import type { Db } from '@/server/db';
import { AppError } from '@/server/errors';
import { clusterName } from '@/server/services/setup/setup';
import { audited, type By } from './by';

export const ZTfaUser = z.object({ userid: ZUserid });
export const ZTotpEnrol = ZTfaUser.extend({
  description: z.string().trim().max(255, 'a description has at most 255 characters').default(''),
});
export const ZTotpConfirm = ZTfaUser.extend({
  id: z.uuid('id: not a factor id'),
  code: z
    .string()
    .trim()
    .regex(/^\d{6}$/, 'enter the 6-digit code from your authenticator app'),
});
export const ZTfaRemove = ZTfaUser.extend({
  id: z.uuid('id: not a factor id').optional(),
  /** Required when removing one's own factor (Proxmox re-authenticates too): a stolen session must not turn 2FA off. */
  password: z.string().max(256).optional(),
});

export const ZTfaRow = z.object({
  id: z.string(),
  type: z.enum(['totp', 'recovery']),
  description: z.string(),
  createdAt: z.date(),
  confirmed: z.boolean(),
  /** Recovery: the unused codes left. */
  remaining: z.number().nullable(),
});
export type TfaRow = z.infer<typeof ZTfaRow>;

/** A user's factors: each TOTP, and their recovery codes as one row. */
export async function listTfa(db: Db, userid: string): Promise<TfaRow[]> {
  const rows = await db.tfaFactor.findMany({
    where: { userId: userid },
    orderBy: { createdAt: 'asc' },
    select: { id: true, type: true, description: true, createdAt: true, confirmedAt: true, usedAt: true },
  });
  const totps = rows
    .filter((r) => r.type === 'totp')
    .map((r) => ({
      id: r.id,
      type: 'totp' as const,
      description: r.description,
      createdAt: r.createdAt,
      confirmed: r.confirmedAt !== null,
      remaining: null,
    }));
  const recovery = rows.filter((r) => r.type === 'recovery');
  if (recovery.length === 0) return totps;
  return [
    ...totps,
    {
      id: 'recovery',
      type: 'recovery',
      description: 'recovery codes',
      createdAt: recovery[0]!.createdAt,
      confirmed: true,
      remaining: recovery.filter((r) => !r.usedAt).length,
    },
  ];
}

/**
 * Starts TOTP enrolment: a new, unconfirmed factor whose secret is sealed at
 * rest. Returns the otpauth URI (and the secret for manual entry) once.
 */
export async function enrolTotp(
  db: Db,
  by: By,
  input: z.infer<typeof ZTotpEnrol>,
): Promise<{ id: string; uri: string; secret: string; qrDataUrl: string }> {
  return audited(db, by, 'tfa.totp.enrol', input.userid, async () => {
    const secret = newTotpSecret();
    const id = randomUUID();
    const issuer = `Horcrux ${(await clusterName(db)) ?? ''}`.trim();
    await db.$transaction(async (tx) => {
      if (!(await tx.user.findUnique({ where: { id: input.userid }, select: { id: true } })))
        throw new AppError('NOT_FOUND', `no user '${input.userid}'`);
      const confirmed = await tx.tfaFactor.count({
        where: { userId: input.userid, type: 'totp', confirmedAt: { not: null } },
      });
      if (confirmed > 0)
        throw new AppError('CONFLICT', 'a TOTP factor is already set up: remove it before enrolling a new one');
      await tx.tfaFactor.deleteMany({ where: { userId: input.userid, type: 'totp', confirmedAt: null } });
      await tx.tfaFactor.create({
        data: { id, userId: input.userid, type: 'totp', description: input.description, secret: seal('totp', secret) },
      });
    });
    const uri = totpUri(secret, input.userid, issuer);
    // The QR code is made here, not in the browser, so the secret is never handed to a third-party script.
    return { id, uri, secret, qrDataUrl: await QRCode.toDataURL(uri, { margin: 1, width: 220 }) };
  });
}

/** Confirms a TOTP factor with a current code; returns ten fresh recovery codes, shown once. */
export async function confirmTotp(
  db: Db,
  by: By,
  input: z.infer<typeof ZTotpConfirm>,
): Promise<{ recoveryCodes: string[] }> {
  return audited(db, by, 'tfa.totp.confirm', input.userid, async () => {
    const factor = await db.tfaFactor.findFirst({
      where: { id: input.id, userId: input.userid, type: 'totp', confirmedAt: null },
      select: { secret: true },
    });
    if (!factor) throw new AppError('NOT_FOUND', 'no pending TOTP enrolment: start again');
    const step = totpStep(unseal('totp', factor.secret), input.code);
    if (step === null)
      throw new AppError('INVALID_INPUT', 'code: wrong code; check the clock of the device and try the next code', {
        field: 'code',
      });
    const codes = newRecoveryCodes();
    await db.$transaction(async (tx) => {
      await tx.tfaFactor.update({ where: { id: input.id }, data: { confirmedAt: new Date(), lastStep: BigInt(step) } });
      await tx.tfaFactor.deleteMany({ where: { userId: input.userid, type: 'recovery' } });
      await tx.tfaFactor.createMany({
        data: codes.map((c) => ({
          id: randomUUID(),
          userId: input.userid,
          type: 'recovery',
          secret: sha256Hex(normalizeRecoveryCode(c)),
        })),
      });
    });
    return { recoveryCodes: codes };
  });
}

/** Removes one factor, or every factor of the user (an administrator's reset). Removing the last TOTP removes the recovery codes. */
export async function removeTfa(db: Db, by: By, input: z.infer<typeof ZTfaRemove>): Promise<{ removed: number }> {
  return audited(
    db,
    by,
    'tfa.remove',
    input.userid,
    async () => {
      if (by.actor.userid === input.userid) {
        const user = await db.user.findUnique({ where: { id: input.userid }, select: { passwordHash: true } });
        if (!(await verifyPassword(user?.passwordHash ?? null, input.password ?? ''))) {
          throw new AppError(
            'INVALID_INPUT',
            'password: enter your current password to remove your own second factor',
            {
              field: 'password',
            },
          );
        }
      }
      return db.$transaction(async (tx) => {
        const where = input.id ? { userId: input.userid, id: input.id } : { userId: input.userid };
        const { count } = await tx.tfaFactor.deleteMany({ where });
        if (count === 0) throw new AppError('NOT_FOUND', 'no such second factor');
        const left = await tx.tfaFactor.count({
          where: { userId: input.userid, type: 'totp', confirmedAt: { not: null } },
        });
        if (left === 0) await tx.tfaFactor.deleteMany({ where: { userId: input.userid, type: 'recovery' } });
        return { removed: count };
      });
    },
    { factor: input.id ?? 'all' },
  );
}

/** Whether the user must give a second factor at sign-in. */
export async function hasSecondFactor(db: Db, userid: string): Promise<boolean> {
  return (await db.tfaFactor.count({ where: { userId: userid, type: 'totp', confirmedAt: { not: null } } })) > 0;
}

/**
 * Checks a TOTP code or a recovery code, and consumes it: a TOTP step is
 * accepted once (the step must be after the last one used), a recovery code
 * once. The consuming write is conditional, so two concurrent uses cannot both pass.
 */
export async function verifySecondFactor(
  db: Db,
  userid: string,
  code: string,
  now = Date.now(),
): Promise<'totp' | 'recovery' | null> {
  const trimmed = code.trim();
  if (/^\d{6}$/.test(trimmed)) {
    const factors = await db.tfaFactor.findMany({
      where: { userId: userid, type: 'totp', confirmedAt: { not: null } },
      select: { id: true, secret: true, lastStep: true },
    });
    for (const f of factors) {
      const step = totpStep(unseal('totp', f.secret), trimmed, now);
      if (step === null || (f.lastStep !== null && BigInt(step) <= f.lastStep)) continue;
      const { count } = await db.tfaFactor.updateMany({
        where: { id: f.id, OR: [{ lastStep: null }, { lastStep: { lt: BigInt(step) } }] },
        data: { lastStep: BigInt(step) },
      });
      if (count === 1) return 'totp';
    }
    return null;
  }
  const digest = sha256Hex(normalizeRecoveryCode(trimmed));
  const codes = await db.tfaFactor.findMany({
    where: { userId: userid, type: 'recovery', usedAt: null },
    select: { id: true, secret: true },
  });
  const match = codes.find((c) => sameHex(c.secret, digest));
  if (!match) return null;
  const { count } = await db.tfaFactor.updateMany({
    where: { id: match.id, usedAt: null },
    data: { usedAt: new Date(now) },
  });
  return count === 1 ? 'recovery' : null;
}
