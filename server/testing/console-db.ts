import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Db } from '@/server/db';
import { resetEnvCache } from '@/server/env';

/**
 * The process-wide database of server/db.ts, opened as server/main.ts opens it:
 * embedded PGlite in a fresh data directory, migrated, with a fresh session
 * secret. For tests of HTTP handlers, which call getDb() themselves.
 */
export async function openConsoleDb(prefix: string): Promise<{ db: Db; dataDir: string; close(): Promise<void> }> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), prefix));
  process.env.HORCRUX_DATA_DIR = dataDir;
  process.env.NEXTAUTH_SECRET = randomBytes(32).toString('base64url');
  delete process.env.DATABASE_URL;
  resetEnvCache();
  const { migrateAndOpen, closeDb } = await import('@/server/db');
  const db = await migrateAndOpen();
  return {
    db,
    dataDir,
    close: async () => {
      await closeDb();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
