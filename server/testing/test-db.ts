import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { migrateDatabase } from '@/prisma/migrate';
import type { Db } from '@/server/db';
import { PrismaClient } from '@/server/generated/prisma/client';
import { ensureBuiltinRoles } from '@/server/services/access/roles';
import { makePgliteDir, startPostgres } from './postgres';

export type TestDbKind = 'pglite' | 'postgres';
export type TestDb = { kind: TestDbKind; db: Db; close(): Promise<void>; /** PostgreSQL only. */ url?: string };

const quiet = { log: () => undefined };

/** A fresh, migrated database of either kind, as the console opens it at start-up. */
export async function openTestDb(kind: TestDbKind): Promise<TestDb> {
  if (kind === 'pglite') {
    const { dir, remove } = await makePgliteDir();
    const pglite = await PGlite.create(dir);
    await migrateDatabase({ kind: 'pglite', pglite }, quiet);
    const db = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
    await ensureBuiltinRoles(db);
    return {
      kind,
      db,
      close: async () => {
        await db.$disconnect();
        await pglite.close();
        await remove();
      },
    };
  }
  const pg = await startPostgres();
  await migrateDatabase({ kind: 'postgres', url: pg.url }, quiet);
  const db = new PrismaClient({ adapter: new PrismaPg({ connectionString: pg.url }) });
  await ensureBuiltinRoles(db);
  return {
    kind,
    db,
    url: pg.url,
    close: async () => {
      await db.$disconnect();
      await pg.stop();
    },
  };
}
