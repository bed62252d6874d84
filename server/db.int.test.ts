import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { resetEnvCache } from '@/server/env';
import { startPostgres, type TestPostgres } from '@/server/testing/postgres';

const saved = { dataDir: process.env.HORCRUX_DATA_DIR, url: process.env.DATABASE_URL };
let dataDir = '';

beforeEach(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'horcrux-db-'));
  process.env.HORCRUX_DATA_DIR = dataDir;
  delete process.env.DATABASE_URL;
  resetEnvCache();
  vi.spyOn(console, 'log').mockImplementation(() => undefined);
});

afterEach(async () => {
  const { closeDb } = await import('./db');
  await closeDb();
  vi.restoreAllMocks();
  await rm(dataDir, { recursive: true, force: true });
});

afterAll(() => {
  if (saved.dataDir === undefined) delete process.env.HORCRUX_DATA_DIR;
  else process.env.HORCRUX_DATA_DIR = saved.dataDir;
  if (saved.url === undefined) delete process.env.DATABASE_URL;
  else process.env.DATABASE_URL = saved.url;
  resetEnvCache();
});

describe('server/db on PGlite', () => {
  it('opens nothing at import time, then one client per process, which survives a close and reopen', async () => {
    const { closeDb, getDb, migrateAndOpen } = await import('./db');
    expect(existsSync(path.join(dataDir, 'db'))).toBe(false);

    const db = await migrateAndOpen();
    expect(await getDb()).toBe(db);
    const [a, b] = await Promise.all([getDb(), getDb()]);
    expect(a).toBe(db);
    expect(b).toBe(db);

    await db.realm.create({ data: { id: 'pve', type: 'local' } });
    await db.user.create({ data: { id: 'root@pve', name: 'root', realmId: 'pve' } });
    await closeDb();

    // Migrating again is a no-op, and the rows were written to the directory.
    const reopened = await migrateAndOpen();
    expect(reopened).not.toBe(db);
    expect(await reopened.user.findUnique({ where: { id: 'root@pve' }, select: { name: true } })).toEqual({
      name: 'root',
    });
  });
});

describe('server/db on PostgreSQL', () => {
  let server: TestPostgres | undefined;
  afterAll(async () => server?.stop());

  it('migrates and opens the database of DATABASE_URL', async () => {
    server = await startPostgres();
    process.env.DATABASE_URL = server.url;
    resetEnvCache();
    const { migrateAndOpen } = await import('./db');
    const db = await migrateAndOpen();
    await db.realm.create({ data: { id: 'pve', type: 'local' } });
    expect(await db.realm.count()).toBe(1);
    expect(existsSync(path.join(dataDir, 'db'))).toBe(false);
  });
});
