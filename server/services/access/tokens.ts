import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Actor } from '@/server/access/actor';
import { hashTokenSecret, parseTokenHeader, TOKEN_NAME_RE, tokenSecretMatches } from '@/server/access/token-header';
import { ZUserid } from '@/server/access/userid';
import type { Db } from '@/server/db';
import { AppError } from '@/server/errors';
import { audited, type By } from './by';

/** One message for every token failure: it never tells which part was wrong. */
export const BAD_TOKEN = 'authentication failure: invalid or expired API token';

// A fixed hash to compare against when the token is unknown, so both paths do the same work.
const DUMMY_HASH = hashTokenSecret('00000000-0000-0000-0000-000000000000');

/**
 * The actor behind an `Authorization: PVEAPIToken=...` header. Malformed
 * header, unknown token, wrong secret, expired token, disabled or expired
 * user: all UNAUTHENTICATED with {@link BAD_TOKEN}.
 */
export async function actorFromTokenHeader(db: Db, header: string, now = new Date()): Promise<Actor> {
  const creds = parseTokenHeader(header);
  const token = creds
    ? await db.apiToken.findUnique({
        where: { id: creds.tokenid },
        select: {
          id: true,
          secretHash: true,
          privsep: true,
          expiresAt: true,
          lastUsedAt: true,
          user: { select: { id: true, enabled: true, expiresAt: true } },
        },
      })
    : null;
  const secretOk = tokenSecretMatches(creds?.secret ?? '', token?.secretHash ?? DUMMY_HASH);
  const live = (d: Date | null) => !d || d > now;
  if (!creds || !token || !secretOk || !live(token.expiresAt) || !token.user.enabled || !live(token.user.expiresAt)) {
    throw new AppError('UNAUTHENTICATED', BAD_TOKEN);
  }
  // Written at most once a minute, so that a busy token does not write on every call.
  if (!token.lastUsedAt || now.getTime() - token.lastUsedAt.getTime() > 60_000) {
    await db.apiToken.update({ where: { id: token.id }, data: { lastUsedAt: now } });
  }
  return { kind: 'token', userid: token.user.id, tokenid: token.id, privsep: token.privsep };
}

const ZTokenName = z
  .string()
  .trim()
  .regex(TOKEN_NAME_RE, 'a token name starts with a letter and has 2 to 64 letters, digits, ".", "-" or "_"');

export const ZTokenRef = z.object({ userid: ZUserid, name: ZTokenName });

export const ZTokenFields = z.object({
  comment: z.string().trim().max(255, 'a comment has at most 255 characters'),
  /** null: never expires. */
  expiresAt: z.date().nullable(),
  privsep: z.boolean(),
});

export const ZCreateToken = ZTokenRef.extend(ZTokenFields.partial().shape);
export type CreateTokenInput = z.infer<typeof ZCreateToken>;
export const ZUpdateToken = ZCreateToken;
export type UpdateTokenInput = CreateTokenInput;

export const ZTokenRow = z.object({
  tokenid: z.string(),
  userid: z.string(),
  name: z.string(),
  comment: z.string(),
  privsep: z.boolean(),
  expiresAt: z.date().nullable(),
  createdAt: z.date(),
  lastUsedAt: z.date().nullable(),
});
export type TokenRow = z.infer<typeof ZTokenRow>;

export async function listTokens(db: Db, userid: string): Promise<TokenRow[]> {
  const rows = await db.apiToken.findMany({
    where: { userId: userid },
    orderBy: { name: 'asc' },
    select: {
      id: true,
      userId: true,
      name: true,
      comment: true,
      privsep: true,
      expiresAt: true,
      createdAt: true,
      lastUsedAt: true,
    },
  });
  return rows.map(({ id, userId, ...r }) => ({ tokenid: id, userid: userId, ...r }));
}

/** Creates a token; the secret is returned here once and stored only as its SHA-256. */
export async function createToken(
  db: Db,
  by: By,
  input: CreateTokenInput,
): Promise<{ tokenid: string; secret: string }> {
  const tokenid = `${input.userid}!${input.name}`;
  return audited(
    db,
    by,
    'token.create',
    tokenid,
    async () => {
      const secret = randomUUID();
      await db.$transaction(async (tx) => {
        if (!(await tx.user.findUnique({ where: { id: input.userid }, select: { id: true } })))
          throw new AppError('NOT_FOUND', `no user '${input.userid}'`);
        if (await tx.apiToken.findUnique({ where: { id: tokenid }, select: { id: true } }))
          throw new AppError('CONFLICT', `token '${tokenid}' already exists`);
        await tx.apiToken.create({
          data: {
            id: tokenid,
            userId: input.userid,
            name: input.name,
            secretHash: hashTokenSecret(secret),
            privsep: input.privsep ?? true,
            expiresAt: input.expiresAt ?? null,
            comment: input.comment ?? '',
          },
        });
      });
      return { tokenid, secret };
    },
    { privsep: input.privsep ?? true },
  );
}

export async function updateToken(db: Db, by: By, input: UpdateTokenInput): Promise<{ tokenid: string }> {
  const tokenid = `${input.userid}!${input.name}`;
  return audited(db, by, 'token.update', tokenid, async () => {
    const { count } = await db.apiToken.updateMany({
      where: { id: tokenid },
      data: { comment: input.comment, expiresAt: input.expiresAt, privsep: input.privsep },
    });
    if (count === 0) throw new AppError('NOT_FOUND', `no token '${tokenid}'`);
    return { tokenid };
  });
}

/** Deletes a token and its ACL entries. */
export async function deleteToken(
  db: Db,
  by: By,
  input: { userid: string; name: string },
): Promise<{ tokenid: string }> {
  const tokenid = `${input.userid}!${input.name}`;
  return audited(db, by, 'token.delete', tokenid, async () => {
    await db.$transaction(async (tx) => {
      const { count } = await tx.apiToken.deleteMany({ where: { id: tokenid } });
      if (count === 0) throw new AppError('NOT_FOUND', `no token '${tokenid}'`);
      await tx.aclEntry.deleteMany({ where: { ugidType: 'token', ugid: tokenid } });
    });
    return { tokenid };
  });
}
