import { z } from 'zod';
import type { Db } from '@/server/db';
import { AppError } from '@/server/errors';
import { hashPassword } from '@/server/access/password';
import { ZPassword, ZUsername } from '@/server/access/userid';
import { ensureBuiltinRoles } from '@/server/services/access/roles';
import { audit } from '@/server/services/audit/audit';

// Proxmox's cluster names (pvecm create): letters, digits and '-', at most 15.
export const ZClusterName = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,14}$/, 'a cluster name has 1 to 15 letters, digits or "-"');

export const ZSetupInput = z.object({
  clusterName: ZClusterName,
  username: ZUsername,
  password: ZPassword,
  email: z.union([z.literal(''), z.email('enter a valid e-mail address or leave it empty')]).default(''),
});
export type SetupInput = z.infer<typeof ZSetupInput>;

/** Setup is needed while no user exists. */
export async function setupNeeded(db: Db): Promise<boolean> {
  return (await db.user.count()) === 0;
}

/**
 * Creates the cluster, the `local` realm and the first administrator with the
 * Administrator role on `/`, in one transaction. Refused once any user exists;
 * two concurrent attempts cannot both succeed (the cluster row is a singleton).
 */
export async function completeSetup(db: Db, input: SetupInput, client: { ip: string }): Promise<{ userid: string }> {
  if (!(await setupNeeded(db))) throw new AppError('CONFLICT', 'setup is already complete: sign in instead');
  const userid = `${input.username}@local`;
  const passwordHash = await hashPassword(input.password);
  await ensureBuiltinRoles(db);
  try {
    await db.$transaction(async (tx) => {
      if ((await tx.user.count()) > 0) throw new AppError('CONFLICT', 'setup is already complete: sign in instead');
      await tx.cluster.create({ data: { id: 1, name: input.clusterName } });
      await tx.realm.upsert({
        where: { id: 'local' },
        create: { id: 'local', type: 'local', comment: 'Horcrux authentication server', isDefault: true },
        update: {},
      });
      await tx.user.create({
        data: {
          id: userid,
          name: input.username,
          realmId: 'local',
          passwordHash,
          email: input.email,
          comment: 'first administrator',
        },
      });
      await tx.aclEntry.create({
        data: { path: '/', ugidType: 'user', ugid: userid, roleId: 'Administrator', propagate: true },
      });
    });
  } catch (e) {
    // A concurrent setup won the singleton cluster row.
    if (e instanceof AppError) throw e;
    if ((await db.cluster.count()) > 0) throw new AppError('CONFLICT', 'setup is already complete: sign in instead');
    throw e;
  }
  await audit(db, { actor: userid, ip: client.ip, action: 'setup.complete', target: input.clusterName, result: 'ok' });
  return { userid };
}

export async function clusterName(db: Db): Promise<string | null> {
  return (await db.cluster.findUnique({ where: { id: 1 }, select: { name: true } }))?.name ?? null;
}
