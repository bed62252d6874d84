import type { Db } from '@/server/db';
import { BUILTIN_ROLES } from '@/server/access/roles';

/**
 * Writes the built-in roles into the role table (ACL entries reference them),
 * correcting any drift; idempotent, run at start-up and before setup.
 */
export async function ensureBuiltinRoles(db: Db): Promise<void> {
  const existing = await db.role.findMany({ where: { builtin: true }, select: { id: true, privileges: true } });
  const have = new Map(existing.map((r) => [r.id, r.privileges.join(',')]));
  for (const [id, privileges] of Object.entries(BUILTIN_ROLES)) {
    if (have.get(id) === privileges.join(',')) continue;
    await db.role.upsert({
      where: { id },
      create: { id, privileges: [...privileges], builtin: true },
      update: { privileges: [...privileges], builtin: true },
    });
  }
}
