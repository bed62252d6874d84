import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrismaClient } from '@/server/generated/prisma/client';
import { makePgliteDir, startPostgres, type TestPostgres } from '@/server/testing/postgres';
import { createMigration, defaultPaths, postgresMigrationAdapter, readMigrations } from './engine';
import { migrateDatabase, type MigrationTarget } from './migrate';

const run = promisify(execFile);
const quiet = { log: () => undefined };
const cleanups: (() => Promise<void>)[] = [];

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function pgliteTarget(): Promise<MigrationTarget> {
  const { dir, remove } = await makePgliteDir();
  cleanups.push(remove);
  return { kind: 'pglite-dir', dir };
}

async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A copy of the real migrations plus extra migrations named after the last real one. */
async function migrationsWith(extra: Record<string, string>): Promise<string> {
  const dir = path.join(await tempDir('horcrux-migrations-'), 'migrations');
  await cp(defaultPaths.migrationsDir, dir, { recursive: true });
  for (const [name, sql] of Object.entries(extra)) {
    await mkdir(path.join(dir, name));
    await writeFile(path.join(dir, name, 'migration.sql'), sql);
  }
  return dir;
}

async function realMigrationNames(): Promise<string[]> {
  return (await readMigrations()).migrationDirectories.map((d) => d.path);
}

/** Creates a realm and a user through the generated client and reads them back. */
async function roundTrip(client: PrismaClient): Promise<void> {
  await client.realm.create({ data: { id: 'pve', type: 'local' } });
  await client.user.create({ data: { id: 'root@pve', name: 'root', realmId: 'pve', email: 'root@example.org' } });
  const user = await client.user.findUniqueOrThrow({ where: { id: 'root@pve' }, include: { realm: true } });
  expect(user).toMatchObject({ name: 'root', email: 'root@example.org', enabled: true, realm: { type: 'local' } });
}

type Backend = {
  name: string;
  /** A fresh, empty database. */
  fresh(): Promise<MigrationTarget>;
  client(target: MigrationTarget): Promise<{ client: PrismaClient; close(): Promise<void> }>;
};

let server: TestPostgres | undefined;
let databases = 0;

const pgliteBackend: Backend = {
  name: 'PGlite',
  fresh: pgliteTarget,
  async client(target) {
    if (target.kind !== 'pglite-dir') throw new Error('expected a PGlite directory');
    const pglite = await PGlite.create(target.dir);
    const client = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
    const close = async (): Promise<void> => {
      await client.$disconnect();
      await pglite.close();
    };
    return { client, close };
  },
};

const postgresBackend: Backend = {
  name: 'PostgreSQL 15',
  async fresh() {
    if (!server) throw new Error('postgres not started');
    // One server, a new database per test.
    const name = `t${++databases}`;
    const admin = new PrismaClient({ adapter: new PrismaPg({ connectionString: server.url }) });
    await admin.$executeRawUnsafe(`CREATE DATABASE ${name}`);
    await admin.$disconnect();
    const url = new URL(server.url);
    url.pathname = `/${name}`;
    return { kind: 'postgres', url: url.toString() };
  },
  async client(target) {
    if (target.kind !== 'postgres') throw new Error('expected a PostgreSQL URL');
    const client = new PrismaClient({ adapter: new PrismaPg({ connectionString: target.url }) });
    return { client, close: () => client.$disconnect() };
  },
};

const backends = [pgliteBackend, postgresBackend];

beforeAll(async () => {
  server = await startPostgres();
  cleanups.push(() => server?.stop() ?? Promise.resolve());
});

describe.each(backends)('deploy to $name', (backend) => {
  it('applies every migration, so the client can write and read, and a second run is a no-op', async () => {
    const target = await backend.fresh();
    const logged: string[] = [];
    const applied = await migrateDatabase(target, { log: (m) => logged.push(m) });
    expect(applied).toEqual(await realMigrationNames());
    expect(logged).toEqual(applied.map((name) => `applied migration ${name}`));

    const { client, close } = await backend.client(target);
    try {
      await roundTrip(client);
    } finally {
      await close();
    }

    expect(await migrateDatabase(target, quiet)).toEqual([]);
  });

  it('fails with the SQL error on a broken migration, and keeps failing on the next run', async () => {
    const target = await backend.fresh();
    const migrationsDir = await migrationsWith({
      '29990101000000_broken': 'CREATE TABLE "HalfDone" ("id" INTEGER);\nSELEC 1;\n',
    });
    await expect(migrateDatabase(target, { ...quiet, migrationsDir })).rejects.toThrow(
      /failed at 29990101000000_broken: .*syntax error at or near "SELEC"/,
    );
    // The engine refuses to go on from a failed migration rather than skip it.
    await expect(migrateDatabase(target, { ...quiet, migrationsDir })).rejects.toThrow(
      /failed at 29990101000000_broken: .*found failed migrations/,
    );

    const { client, close } = await backend.client(target);
    try {
      const rows = await client.$queryRawUnsafe<{ migration_name: string; finished: boolean }[]>(
        'SELECT migration_name, finished_at IS NOT NULL AS finished FROM "_prisma_migrations" ORDER BY migration_name',
      );
      expect(rows.find((r) => r.migration_name === '29990101000000_broken')?.finished).toBe(false);
      // The script ran as one unit: its first statement was rolled back with the failing one.
      const halfDone = await client.$queryRawUnsafe<{ exists: boolean }[]>(
        `SELECT to_regclass('"HalfDone"') IS NOT NULL AS exists`,
      );
      expect(halfDone[0]?.exists).toBe(false);
    } finally {
      await close();
    }
  });

  it('does not report success when _prisma_migrations does not record the migrations', async () => {
    const target = await backend.fresh();
    // The engine records a migration as finished by updating the row it inserted
    // before running the script; this script deletes that row, so the engine
    // believes it succeeded while the table says otherwise.
    const migrationsDir = await migrationsWith({ '29990101000000_forget': 'DELETE FROM "_prisma_migrations";\n' });
    await expect(migrateDatabase(target, { ...quiet, migrationsDir })).rejects.toThrow(
      /does not record .*29990101000000_forget.* as finished/,
    );
  });
});

describe('deploy', () => {
  it('refuses an empty migrations directory', async () => {
    const migrationsDir = await tempDir('horcrux-empty-');
    await expect(migrateDatabase(await pgliteTarget(), { ...quiet, migrationsDir })).rejects.toThrow(
      /no migrations found/,
    );
  });

  it('runs from the command line, and exits non-zero with the reason when it fails', async () => {
    const dataDir = await tempDir('horcrux-cli-');
    const tsx = path.resolve('node_modules/.bin/tsx');
    const script = path.resolve('prisma/migrate.ts');
    const ok = await run(tsx, [script, 'deploy'], {
      env: { ...process.env, HORCRUX_DATA_DIR: dataDir, DATABASE_URL: '' },
    });
    for (const name of await realMigrationNames()) expect(ok.stdout).toContain(`applied migration ${name}`);
    expect(ok.stdout).toMatch(/migrations? applied/);

    const closedPort = 'postgresql://postgres@127.0.0.1:1/horcrux';
    const failed = await run(tsx, [script, 'deploy'], { env: { ...process.env, DATABASE_URL: closedPort } }).then(
      () => null,
      (error: unknown) => error as { code: number; stderr: string },
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toMatch(
      /migrate deploy failed: applying migrations to PostgreSQL at postgresql:\/\/postgres@127\.0\.0\.1:1\/horcrux failed/,
    );
  });
});

describe('PostgreSQL shadow database', () => {
  it('is a new database on the server that takes multi-statement scripts, dropped on dispose', async () => {
    const target = await postgresBackend.fresh();
    if (target.kind !== 'postgres') throw new Error('expected a PostgreSQL URL');
    const factory = await postgresMigrationAdapter(target.url);
    const shadow = await factory.connectToShadowDb();
    const query = (sql: string) => ({ sql, args: [], argTypes: [] });
    // The engine sends shadow scripts through executeRaw without arguments.
    await shadow.executeRaw(query('CREATE TABLE "A" ("id" INTEGER); CREATE TABLE "B" ("id" INTEGER);'));
    const names = await shadow.queryRaw(query('SELECT current_database()'));
    const shadowName = names.rows[0]?.[0];
    expect(shadowName).toMatch(/^horcrux_shadow_[0-9a-f]{32}$/);
    expect(shadowName).not.toBe(new URL(target.url).pathname.slice(1));
    await shadow.dispose();

    const main = await factory.connect();
    try {
      const left = await main.queryRaw(query("SELECT datname FROM pg_database WHERE datname LIKE 'horcrux_shadow_%'"));
      expect(left.rows).toEqual([]);
    } finally {
      await main.dispose();
    }
  });
});

describe('create', () => {
  it('creates nothing when the schema matches the migrations', async () => {
    const migrationsDir = await migrationsWith({});
    const before = await readdir(migrationsDir);
    expect(await createMigration('nothing_to_do', { migrationsDir, log: () => undefined })).toBeNull();
    expect(await readdir(migrationsDir)).toEqual(before);
  });

  it('writes the SQL for a schema change, and the new history applies', async () => {
    const migrationsDir = await migrationsWith({});
    const schemaPath = path.join(path.dirname(migrationsDir), 'schema.prisma');
    const schema = await readFile(defaultPaths.schemaPath, 'utf8');
    await writeFile(schemaPath, `${schema}\nmodel Gadget {\n  id   Int    @id\n  name String @default("")\n}\n`);

    const created = await createMigration('add_gadget', { migrationsDir, schemaPath, log: () => undefined });
    expect(created?.name).toMatch(/^\d{14}_add_gadget$/);
    expect(created?.script).toContain('CREATE TABLE "Gadget"');
    expect(await readFile(path.join(migrationsDir, created?.name ?? '', 'migration.sql'), 'utf8')).toBe(
      created?.script,
    );

    const applied = await migrateDatabase(await pgliteTarget(), { ...quiet, migrationsDir, schemaPath });
    expect(applied.at(-1)).toBe(created?.name);
    expect(await createMigration('again', { migrationsDir, schemaPath, log: () => undefined })).toBeNull();
  });

  it('refuses a name that is not letters, digits and underscores', async () => {
    await expect(createMigration('../escape')).rejects.toThrow(/invalid migration name/);
  });
});
