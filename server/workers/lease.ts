import type { Db } from '@/server/db';

/**
 * Takes or renews the lease `name` for `holder` until now + ttl. True when this
 * holder has it: it held it already, or the previous holder let it expire. With
 * several consoles on one PostgreSQL, only the holder runs the worker.
 */
export async function holdLease(db: Db, name: string, holder: string, ttlMs: number): Promise<boolean> {
  const expires = new Date(Date.now() + ttlMs);
  const rows = await db.$queryRaw<{ holder: string }[]>`
    INSERT INTO "Lease" ("name", "holder", "expiresAt") VALUES (${name}, ${holder}, ${expires})
    ON CONFLICT ("name") DO UPDATE SET "holder" = EXCLUDED."holder", "expiresAt" = EXCLUDED."expiresAt"
    WHERE "Lease"."holder" = EXCLUDED."holder" OR "Lease"."expiresAt" < now()
    RETURNING "holder"`;
  return rows.length === 1 && rows[0]?.holder === holder;
}
