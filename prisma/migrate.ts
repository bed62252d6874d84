// Applies and creates migrations without Prisma's native schema engine (see engine.ts).
//
//   tsx prisma/migrate.ts deploy          apply prisma/migrations to the configured database
//   tsx prisma/migrate.ts create <name>   write the migration that turns the history into schema.prisma
//
// The configured database is PostgreSQL when DATABASE_URL is set, else the embedded
// PGlite database in `${HORCRUX_DATA_DIR}/db`. Stop the console before deploying to
// PGlite: two processes on one PGlite directory corrupt it (the console migrates at
// start-up anyway).

import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { PGlite } from '@electric-sql/pglite';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { env } from '../server/env';
import {
  applyMigrations,
  createMigration,
  defaultPaths,
  engineErrorMessage,
  pgliteMigrationAdapter,
  postgresMigrationAdapter,
  readMigrations,
  validateMigrationName,
  type EnginePaths,
} from './engine';

/** The database to migrate. `pglite` is an instance the caller owns and keeps open. */
export type MigrationTarget =
  { kind: 'pglite'; pglite: PGlite } | { kind: 'pglite-dir'; dir: string } | { kind: 'postgres'; url: string };

export type MigrateOptions = EnginePaths & {
  /** Where progress goes (one line per applied migration); console.log by default. */
  log?: (message: string) => void;
};

/** The database configured by the environment, as the console opens it. */
export function targetFromEnv(): MigrationTarget {
  const { DATABASE_URL, dataDir } = env();
  return DATABASE_URL ? { kind: 'postgres', url: DATABASE_URL } : { kind: 'pglite-dir', dir: path.join(dataDir, 'db') };
}

/** A target for messages, without the password of a URL. */
export function describeTarget(target: MigrationTarget): string {
  switch (target.kind) {
    case 'pglite':
      return `PGlite${target.pglite.dataDir ? ` at ${target.pglite.dataDir}` : ' (in memory)'}`;
    case 'pglite-dir':
      return `PGlite at ${target.dir}`;
    case 'postgres': {
      try {
        const url = new URL(target.url);
        if (url.password) url.password = '***';
        return `PostgreSQL at ${url.toString()}`;
      } catch {
        return 'PostgreSQL (unparseable DATABASE_URL)';
      }
    }
  }
}

async function withAdapter<T>(
  target: MigrationTarget,
  work: (factory: SqlMigrationAwareDriverAdapterFactory) => Promise<T>,
): Promise<T> {
  switch (target.kind) {
    case 'pglite':
      return work(await pgliteMigrationAdapter(target.pglite));
    case 'postgres':
      return work(await postgresMigrationAdapter(target.url));
    case 'pglite-dir': {
      const { PGlite } = await import('@electric-sql/pglite');
      await mkdir(path.dirname(target.dir), { recursive: true });
      const pglite = await PGlite.create(target.dir);
      try {
        return await work(await pgliteMigrationAdapter(pglite));
      } finally {
        await pglite.close();
      }
    }
  }
}

/** Names of the migrations `_prisma_migrations` records as finished (`true`) or as failed (`false`), ignoring rolled-back ones. */
async function recordedMigrations(
  factory: SqlMigrationAwareDriverAdapterFactory,
  finished: boolean,
): Promise<string[]> {
  const adapter = await factory.connect();
  try {
    const result = await adapter.queryRaw({
      sql: `SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS ${finished ? 'NOT NULL' : 'NULL'} AND rolled_back_at IS NULL ORDER BY started_at`,
      args: [],
      argTypes: [],
    });
    return result.rows.map((row) => row[0]).filter((name): name is string => typeof name === 'string');
  } finally {
    await adapter.dispose();
  }
}

/**
 * Applies every pending migration of the migrations directory to `target` and
 * returns the names applied now (empty when it was up to date).
 *
 * Throws, with the database's error, when a migration fails, and also when the
 * engine returns without error but `_prisma_migrations` does not record every
 * migration as finished: success is never reported on the engine's word alone.
 */
export async function migrateDatabase(target: MigrationTarget, options: MigrateOptions = {}): Promise<string[]> {
  const migrationsDir = options.migrationsDir ?? defaultPaths.migrationsDir;
  const log = options.log ?? ((message: string) => console.log(message));
  const migrations = await readMigrations(migrationsDir);
  const names = migrations.migrationDirectories.map((d) => d.path);
  if (names.length === 0) {
    throw new Error(`no migrations found in ${migrationsDir}; create the first with \`npm run db:migration -- init\``);
  }
  const unreadable = migrations.migrationDirectories.filter((d) => d.migrationFile.content.tag === 'error');
  if (unreadable.length > 0) {
    const list = unreadable.map((d) => `${d.path} (${d.migrationFile.content.value})`).join(', ');
    throw new Error(`cannot read migration.sql of ${list} in ${migrationsDir}`);
  }

  const where = describeTarget(target);
  return withAdapter(target, async (factory) => {
    let applied: string[];
    try {
      applied = await applyMigrations(factory, { schemaPath: options.schemaPath, migrations });
    } catch (error) {
      // The engine's message has the database error but not the migration it came from.
      const failed = await recordedMigrations(factory, false).catch(() => []);
      const which = failed.length > 0 ? ` at ${failed.join(', ')}` : '';
      throw new Error(`applying migrations to ${where} failed${which}: ${engineErrorMessage(error)}`, { cause: error });
    }
    for (const name of applied) log(`applied migration ${name}`);

    const finished = new Set(await recordedMigrations(factory, true));
    const missing = names.filter((name) => !finished.has(name));
    if (missing.length > 0) {
      throw new Error(
        `after applying, ${where} does not record ${missing.join(', ')} as finished in _prisma_migrations; the database was not migrated`,
      );
    }
    return applied;
  });
}

async function deploy(): Promise<void> {
  const target = targetFromEnv();
  const migrationsDir = path.relative(process.cwd(), defaultPaths.migrationsDir) || '.';
  console.log(`Applying the migrations in ${migrationsDir} to ${describeTarget(target)}`);
  const total = (await readMigrations()).migrationDirectories.length;
  const applied = await migrateDatabase(target, { log: (message) => console.log(`  ${message}`) });
  console.log(
    applied.length === 0
      ? `Database up to date: all ${total} migrations were already applied.`
      : `${applied.length} migration${applied.length === 1 ? '' : 's'} applied; ${total} of ${total} recorded as finished.`,
  );
}

async function create(name: string | undefined): Promise<void> {
  if (name === undefined) throw new Error('missing migration name: tsx prisma/migrate.ts create <name>');
  validateMigrationName(name);
  const created = await createMigration(name);
  const schema = path.relative(process.cwd(), defaultPaths.schemaPath);
  if (!created) {
    console.log(`no changes: the migrations already match ${schema}; nothing created`);
    return;
  }
  console.log(`created ${path.relative(process.cwd(), path.join(created.dir, 'migration.sql'))}`);
}

async function cli(args: string[]): Promise<void> {
  const [command, ...rest] = args;
  if (command === 'deploy' && rest.length === 0) return deploy();
  if (command === 'create' && rest.length <= 1) return create(rest[0]);
  throw new Error('usage: tsx prisma/migrate.ts deploy | create <name>');
}

const invokedPath = process.argv[1];
if (invokedPath !== undefined && import.meta.url === pathToFileURL(path.resolve(invokedPath)).href) {
  cli(process.argv.slice(2)).catch((error: unknown) => {
    const command = process.argv[2] ? `migrate ${process.argv[2]}` : 'migrate';
    console.error(`${command} failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  });
}
