import { z } from 'zod';
import { seal } from '@/server/access/crypto';
import { REALM_RE } from '@/server/access/userid';
import type { Db } from '@/server/db';
import { AppError } from '@/server/errors';
import { audited, type By } from './by';
import type { Permissions } from './permissions';

/** Realms offered by the sign-in form (Proxmox's world-readable `GET /access/domains`). */
export async function listRealms(db: Db): Promise<{ id: string; type: string; comment: string; isDefault: boolean }[]> {
  return db.realm.findMany({
    orderBy: [{ isDefault: 'desc' }, { id: 'asc' }],
    select: { id: true, type: true, comment: true, isDefault: true },
  });
}

/** What an OIDC realm stores in `Realm.config`; the client secret only sealed. */
export const ZOidcConfig = z.object({
  issuerUrl: z.url('issuerUrl: enter the issuer URL, e.g. https://login.example.com/realms/main'),
  clientId: z.string().min(1).max(255),
  clientSecretSealed: z.string().optional(),
  usernameClaim: z.string().min(1).max(64),
  autoCreate: z.boolean(),
  groupsClaim: z.string().max(64).optional(),
  scopes: z.string().max(255),
});
export type OidcConfig = z.infer<typeof ZOidcConfig>;

const ZClaim = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'a claim name has letters, digits, "_", ".", ":" or "-"');

export const ZOidcRealmInput = z.object({
  realm: z
    .string()
    .trim()
    .regex(REALM_RE, 'a realm starts with a letter and has 2 to 32 letters, digits, ".", "-" or "_"'),
  comment: z.string().trim().max(255, 'a comment has at most 255 characters').default(''),
  issuerUrl: z.url({ protocol: /^https?$/, error: 'enter the issuer URL (https://...)' }),
  clientId: z.string().trim().min(1, 'enter the client id').max(255),
  /** Omitted on update: keep the stored secret. Empty string: a public client. */
  clientSecret: z.string().max(1024).optional(),
  usernameClaim: ZClaim.default('sub'),
  autoCreate: z.boolean().default(false),
  groupsClaim: z.union([z.literal(''), ZClaim]).default(''),
  scopes: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_:. -]{0,255}$/, 'scopes are space-separated words')
    .default('email profile'),
  isDefault: z.boolean().default(false),
});
export type OidcRealmInput = z.infer<typeof ZOidcRealmInput>;

export const ZRealmRow = z.object({
  realm: z.string(),
  type: z.string(),
  comment: z.string(),
  isDefault: z.boolean(),
  oidc: z
    .object({
      issuerUrl: z.string(),
      clientId: z.string(),
      hasClientSecret: z.boolean(),
      usernameClaim: z.string(),
      autoCreate: z.boolean(),
      groupsClaim: z.string(),
      scopes: z.string(),
    })
    .nullable(),
  can: z.object({ edit: z.boolean() }),
});
export type RealmRow = z.infer<typeof ZRealmRow>;

/** Realms with their settings (never the client secret) for administrators. */
export async function listRealmDetails(db: Db, perms: Permissions): Promise<RealmRow[]> {
  const rows = await db.realm.findMany({
    orderBy: [{ isDefault: 'desc' }, { id: 'asc' }],
    select: { id: true, type: true, comment: true, isDefault: true, config: true },
  });
  const allocate = perms.has('Realm.Allocate', '/access/realm');
  return rows.map((r) => {
    const cfg = r.type === 'oidc' ? ZOidcConfig.safeParse(r.config) : null;
    const oidc = cfg?.success
      ? {
          issuerUrl: cfg.data.issuerUrl,
          clientId: cfg.data.clientId,
          hasClientSecret: Boolean(cfg.data.clientSecretSealed),
          usernameClaim: cfg.data.usernameClaim,
          autoCreate: cfg.data.autoCreate,
          groupsClaim: cfg.data.groupsClaim ?? '',
          scopes: cfg.data.scopes,
        }
      : null;
    return {
      realm: r.id,
      type: r.type,
      comment: r.comment,
      isDefault: r.isDefault,
      oidc,
      can: { edit: allocate && r.type === 'oidc' },
    };
  });
}

function configOf(input: OidcRealmInput, keepSealed: string | undefined): OidcConfig {
  const secret = input.clientSecret;
  const clientSecretSealed =
    secret === undefined ? keepSealed : secret === '' ? undefined : seal('oidc-client-secret', secret);
  return {
    issuerUrl: input.issuerUrl.replace(/\/$/, ''),
    clientId: input.clientId,
    ...(clientSecretSealed ? { clientSecretSealed } : {}),
    usernameClaim: input.usernameClaim,
    autoCreate: input.autoCreate,
    ...(input.groupsClaim ? { groupsClaim: input.groupsClaim } : {}),
    scopes: input.scopes,
  };
}

/** Creates or updates an OIDC realm. The client secret is sealed at rest and never returned. */
export async function saveOidcRealm(
  db: Db,
  by: By,
  input: OidcRealmInput,
  mode: 'create' | 'update',
): Promise<{ realm: string }> {
  return audited(
    db,
    by,
    mode === 'create' ? 'realm.create' : 'realm.update',
    input.realm,
    async () => {
      await db.$transaction(async (tx) => {
        const existing = await tx.realm.findUnique({
          where: { id: input.realm },
          select: { type: true, config: true },
        });
        if (mode === 'create' && existing) throw new AppError('CONFLICT', `realm '${input.realm}' already exists`);
        if (mode === 'update' && !existing) throw new AppError('NOT_FOUND', `no realm '${input.realm}'`);
        if (existing && existing.type !== 'oidc')
          throw new AppError(
            'CONFLICT',
            `realm '${input.realm}' is a ${existing.type} realm; only OIDC realms are edited here`,
          );
        const old = existing ? ZOidcConfig.safeParse(existing.config) : null;
        const config = configOf(input, old?.success ? old.data.clientSecretSealed : undefined);
        if (input.isDefault) await tx.realm.updateMany({ data: { isDefault: false } });
        const data = { type: 'oidc', comment: input.comment, isDefault: input.isDefault, config };
        if (existing) await tx.realm.update({ where: { id: input.realm }, data });
        else await tx.realm.create({ data: { id: input.realm, ...data } });
      });
      return { realm: input.realm };
    },
    { issuer: input.issuerUrl, secretChanged: input.clientSecret !== undefined },
  );
}

/** Deletes an OIDC realm that has no users left. */
export async function deleteRealm(db: Db, by: By, realm: string): Promise<{ realm: string }> {
  return audited(db, by, 'realm.delete', realm, async () => {
    await db.$transaction(async (tx) => {
      const r = await tx.realm.findUnique({
        where: { id: realm },
        select: { type: true, _count: { select: { users: true } } },
      });
      if (!r) throw new AppError('NOT_FOUND', `no realm '${realm}'`);
      if (r.type === 'local')
        throw new AppError('CONFLICT', `realm '${realm}' is the built-in password realm and cannot be deleted`);
      if (r._count.users > 0)
        throw new AppError('CONFLICT', `realm '${realm}' still has ${r._count.users} user(s): delete them first`);
      await tx.realm.delete({ where: { id: realm } });
      await tx.aclEntry.deleteMany({ where: { path: `/access/realm/${realm}` } });
    });
    return { realm };
  });
}
