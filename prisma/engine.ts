// Prisma's schema engine, compiled to WebAssembly, driven through driver adapters.
//
// The native schema engine cannot be downloaded here (no internet), and
// `PRISMA_SCHEMA_ENGINE_BINARY=/bin/true prisma migrate deploy` reports success
// without applying anything, so migrations are applied and created by
// `@prisma/schema-engine-wasm` instead. Its `index.js` imports the `.wasm` file as an
// ES module, which Node 20 cannot load: we instantiate the WebAssembly module
// ourselves with the package's JS glue as its import object.

import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import type { Pool } from 'pg';
import {
  bindMigrationAwareSqlAdapterFactory,
  DriverAdapterError,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
  type SqlQuery,
} from '@prisma/driver-adapter-utils';
import type {
  MigrationDirectory,
  MigrationList,
  SchemaEngine,
  SchemaFilter,
} from '@prisma/schema-engine-wasm/schema_engine_bg';

const projectRoot = path.resolve(import.meta.dirname, '..');

/** Where the migrations and the schema live unless a caller says otherwise (tests do). */
export const defaultPaths = {
  migrationsDir: path.join(projectRoot, 'prisma', 'migrations'),
  schemaPath: path.join(projectRoot, 'prisma', 'schema.prisma'),
};

export type EnginePaths = { migrationsDir?: string; schemaPath?: string };

/** One line of the engine's `tracing` output, which it hands to us as JSON. */
export type EngineLogLine = { level: string; message: string; raw: string };

export type EngineOptions = EnginePaths & {
  /** Receives the engine's log lines; by default only warnings and errors are printed. */
  log?: (line: EngineLogLine) => void;
};

const noFilter: SchemaFilter = { externalTables: [], externalEnums: [] };
const lockfileName = 'migration_lock.toml';
const migrationFileName = 'migration.sql';

// --- Loading the WebAssembly module -------------------------------------------------

type Glue = typeof import('@prisma/schema-engine-wasm/schema_engine_bg');

// The glue keeps the wasm instance in a module-level variable, and Next's bundled
// route handlers and the custom server are separate module graphs in one process.
// Keying the load on the glue module itself, in a process-wide registry, means a
// shared glue is initialised exactly once and a second copy gets its own instance.
const registryKey = Symbol.for('horcrux.schemaEngineWasm');
type Registry = WeakMap<object, Promise<Glue>>;

function registry(): Registry {
  const holder = globalThis as { [registryKey]?: Registry };
  holder[registryKey] ??= new WeakMap();
  return holder[registryKey];
}

function isNullaryFunction(value: unknown): value is () => unknown {
  return typeof value === 'function';
}

let lastPanic: string | undefined;

async function loadGlue(): Promise<Glue> {
  const glue = await import('@prisma/schema-engine-wasm/schema_engine_bg');
  const loaded = registry().get(glue);
  if (loaded) return loaded;
  const loading = (async () => {
    // The engine reports Rust panics through this global; without it a panic
    // surfaces as a bare `RuntimeError: unreachable`.
    const holder = globalThis as { PRISMA_WASM_PANIC_REGISTRY?: { set_message(message: string): void } };
    holder.PRISMA_WASM_PANIC_REGISTRY ??= {
      set_message(message: string) {
        lastPanic = message;
      },
    };
    // The package's exports map hides the .wasm file; it sits next to the glue.
    const gluePath = createRequire(import.meta.url).resolve('@prisma/schema-engine-wasm/schema_engine_bg');
    const bytes = await readFile(path.join(path.dirname(gluePath), 'schema_engine_bg.wasm'));
    const imports: WebAssembly.ModuleImports = {};
    for (const [name, value] of Object.entries(glue)) {
      if (typeof value === 'function') imports[name] = value;
    }
    const { instance } = await WebAssembly.instantiate(bytes, { './schema_engine_bg.js': imports });
    glue.__wbg_set_wasm(instance.exports);
    const start = instance.exports.__wbindgen_start;
    if (!isNullaryFunction(start)) throw new Error('schema engine wasm has no __wbindgen_start export');
    start();
    return glue;
  })();
  registry().set(glue, loading);
  loading.catch(() => registry().delete(glue));
  return loading;
}

// --- Driver adapters the engine can rely on ----------------------------------------

type ScriptRunner = (script: string) => Promise<number>;

/** Turns a PostgreSQL protocol error (PGlite's or node-postgres') into the adapter error the engine reports with its SQLSTATE. */
function toDriverError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const fields = error as Error & Record<string, unknown>;
  if (typeof fields.code !== 'string' || typeof fields.severity !== 'string') return error;
  const optional = (key: string) => (typeof fields[key] === 'string' ? fields[key] : undefined);
  return new DriverAdapterError({
    kind: 'postgres',
    code: fields.code,
    severity: fields.severity,
    message: error.message,
    detail: optional('detail'),
    column: optional('column'),
    hint: optional('hint'),
  });
}

/** An adapter that forwards to `base`, except for the methods in `overrides`. */
function delegate(base: SqlDriverAdapter, overrides: Partial<SqlDriverAdapter>): SqlDriverAdapter {
  return {
    provider: base.provider,
    adapterName: base.adapterName,
    queryRaw: (query) => base.queryRaw(query),
    executeRaw: (query) => base.executeRaw(query),
    executeScript: (script) => base.executeScript(script),
    startTransaction: (isolationLevel) => base.startTransaction(isolationLevel),
    getConnectionInfo: () => base.getConnectionInfo?.() ?? { supportsRelationJoins: true },
    dispose: () => base.dispose(),
    ...overrides,
  };
}

/**
 * Wraps an adapter so that scripts run through `runScript`.
 *
 * The engine sends multi-statement SQL both through `executeScript` (a migration on
 * the main database) and through `executeRaw` without arguments (a migration on the
 * shadow database); prepared statements refuse several commands, so both go through
 * the simple query protocol.
 */
function withScriptRunner(
  base: SqlDriverAdapter,
  runScript: ScriptRunner,
  afterDispose?: () => Promise<void>,
): SqlDriverAdapter {
  return delegate(base, {
    executeRaw: (query: SqlQuery) => (query.args.length === 0 ? runScript(query.sql) : base.executeRaw(query)),
    executeScript: async (script: string) => {
      await runScript(script);
    },
    dispose: async () => {
      try {
        await base.dispose();
      } finally {
        await afterDispose?.();
      }
    },
  });
}

function pgliteScriptRunner(pglite: PGlite): ScriptRunner {
  return async (script) => {
    try {
      // pglite-prisma-adapter's own executeScript does not await `exec`: a failing
      // migration would be reported as applied and its error lost.
      const results = await pglite.exec(script);
      return results.reduce((sum, result) => sum + (result.affectedRows ?? 0), 0);
    } catch (error) {
      throw toDriverError(error);
    }
  };
}

/**
 * A migration-aware adapter factory on a PGlite instance owned by the caller (it is
 * not closed here). Shadow databases are throw-away in-memory PGlite instances.
 */
export async function pgliteMigrationAdapter(pglite: PGlite): Promise<SqlMigrationAwareDriverAdapterFactory> {
  const [{ PGlite: PGliteClass }, { PrismaPGlite }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('pglite-prisma-adapter'),
  ]);
  const main = new PrismaPGlite(pglite);
  return {
    provider: main.provider,
    adapterName: main.adapterName,
    connect: async () => withScriptRunner(await main.connect(), pgliteScriptRunner(pglite)),
    connectToShadowDb: async () => {
      // The adapter's own shadow database is never closed; this one is, on dispose.
      const shadow = await PGliteClass.create();
      return withScriptRunner(await new PrismaPGlite(shadow).connect(), pgliteScriptRunner(shadow), () =>
        shadow.close(),
      );
    },
  };
}

function postgresScriptRunner(pool: Pool): ScriptRunner {
  return async (script) => {
    // adapter-pg's executeScript splits on every `;` (even inside string literals)
    // and runs the pieces one by one; one simple-protocol query keeps the script
    // whole and atomic, as the native engine runs it.
    try {
      const result: unknown = await pool.query(script);
      const results: unknown[] = Array.isArray(result) ? result : [result];
      return results.reduce<number>((sum, r) => {
        const count = typeof r === 'object' && r !== null && 'rowCount' in r ? r.rowCount : null;
        return sum + (typeof count === 'number' ? count : 0);
      }, 0);
    } catch (error) {
      throw toDriverError(error);
    }
  };
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * A migration-aware adapter factory for a PostgreSQL server. Shadow databases are
 * created on the same server and dropped `WITH (FORCE)` once their pool is closed.
 *
 * Good for applying migrations only: adapter-pg maps no column type to PostgreSQL's
 * internal `"char"`, which the engine's schema describer selects, so `devDiagnostic`,
 * `diff` and `createMigration` fail on PostgreSQL ("Column type 'char' could not be
 * deserialized"). That is why createMigration below works on PGlite.
 */
export async function postgresMigrationAdapter(url: string): Promise<SqlMigrationAwareDriverAdapterFactory> {
  const { PrismaPg } = await import('@prisma/adapter-pg');
  const main = new PrismaPg({ connectionString: url });
  return {
    provider: main.provider,
    adapterName: main.adapterName,
    connect: async () => {
      const adapter = await main.connect();
      return withScriptRunner(adapter, postgresScriptRunner(adapter.underlyingDriver()));
    },
    connectToShadowDb: async () => {
      // adapter-pg's own shadow database keeps `connectionString`, which overrides
      // the `database` field it sets (node-postgres lets the URL win), and drops the
      // database while its pool is still connected. Here the name goes into the URL
      // itself, and the drop comes after the pool is closed, with FORCE for stragglers.
      const name = `horcrux_shadow_${randomUUID().replaceAll('-', '')}`;
      const admin = await main.connect();
      const runAdmin = postgresScriptRunner(admin.underlyingDriver());
      try {
        await runAdmin(`CREATE DATABASE ${quoteIdent(name)}`);
      } catch (error) {
        await admin.dispose();
        throw error;
      }
      const shadowUrl = new URL(url);
      shadowUrl.pathname = `/${encodeURIComponent(name)}`;
      const shadow = await new PrismaPg({ connectionString: shadowUrl.toString() }).connect();
      return withScriptRunner(shadow, postgresScriptRunner(shadow.underlyingDriver()), async () => {
        try {
          await runAdmin(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
        } finally {
          await admin.dispose();
        }
      });
    },
  };
}

/**
 * Tracks every adapter handed to the engine: the engine disposes its shadow
 * databases but never its main connection, and an open pool keeps Node running.
 */
function tracked(factory: SqlMigrationAwareDriverAdapterFactory): {
  factory: SqlMigrationAwareDriverAdapterFactory;
  disposeAll(): Promise<void>;
} {
  const open = new Set<SqlDriverAdapter>();
  const track = (adapter: SqlDriverAdapter): SqlDriverAdapter => {
    let disposed: Promise<void> | undefined;
    const wrapped = delegate(adapter, {
      dispose: () => {
        open.delete(wrapped);
        disposed ??= adapter.dispose();
        return disposed;
      },
    });
    open.add(wrapped);
    return wrapped;
  };
  return {
    factory: {
      provider: factory.provider,
      adapterName: factory.adapterName,
      connect: async () => track(await factory.connect()),
      connectToShadowDb: async () => track(await factory.connectToShadowDb()),
    },
    async disposeAll() {
      const results = await Promise.allSettled([...open].map((adapter) => adapter.dispose()));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    },
  };
}

// --- Running the engine -------------------------------------------------------------

function parseLogLine(raw: unknown): EngineLogLine {
  const text = typeof raw === 'string' ? raw.trim() : String(raw);
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null) {
      const level = 'level' in parsed && typeof parsed.level === 'string' ? parsed.level : 'INFO';
      const fields =
        'fields' in parsed && typeof parsed.fields === 'object' && parsed.fields !== null ? parsed.fields : {};
      const message = 'message' in fields && typeof fields.message === 'string' ? fields.message : text;
      return { level, message, raw: text };
    }
  } catch {
    // Not JSON: keep the text as it came.
  }
  return { level: 'INFO', message: text, raw: text };
}

function defaultLog(line: EngineLogLine): void {
  if (line.level === 'WARN' || line.level === 'ERROR')
    console.warn(`schema engine ${line.level.toLowerCase()}: ${line.message}`);
}

/**
 * The engine's errors carry a Rust span trace after the message ("0: schema_engine_wasm::…");
 * keep what a person needs: the message, with the panic text when it panicked.
 */
export function engineErrorMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const withoutTrace = message.split(/\n\s+0: /)[0]?.trim() ?? message;
  if (/unreachable/.test(withoutTrace) && lastPanic) return `schema engine panicked: ${lastPanic}`;
  // "external connector error" is the engine's heading for any driver adapter error: it adds nothing.
  const lines = withoutTrace
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && line !== 'external connector error');
  return lines.join(': ');
}

/** Runs `work` with an engine on `factory`, then frees the engine and every connection it opened. */
async function withEngine<T>(
  factory: SqlMigrationAwareDriverAdapterFactory,
  options: EngineOptions,
  work: (engine: SchemaEngine, schemaFiles: { path: string; content: string }[]) => Promise<T>,
): Promise<T> {
  const glue = await loadGlue();
  const schemaPath = options.schemaPath ?? defaultPaths.schemaPath;
  const schemaFiles = [{ path: schemaPath, content: await readFile(schemaPath, 'utf8') }];
  const log = options.log ?? defaultLog;
  const connections = tracked(factory);
  let engine: SchemaEngine | undefined;
  try {
    engine = await glue.SchemaEngine.new(
      { datamodels: schemaFiles.map((f): [string, string] => [f.path, f.content]) },
      (line: unknown) => log(parseLogLine(line)),
      bindMigrationAwareSqlAdapterFactory(connections.factory),
    );
    return await work(engine, schemaFiles);
  } finally {
    engine?.free();
    await connections.disposeAll();
  }
}

/**
 * Reads the migrations directory the way Prisma's CLI does: every sub-directory is a
 * migration (sorted by name, so by timestamp) whose script is `migration.sql`.
 */
export async function readMigrations(migrationsDir: string = defaultPaths.migrationsDir): Promise<MigrationList> {
  const lockfile = await readFile(path.join(migrationsDir, lockfileName), 'utf8').catch(() => null);
  const entries = await readdir(migrationsDir, { withFileTypes: true }).catch((error: unknown) => {
    if (error instanceof Error && 'code' in error && error.code === 'ENOENT') return [];
    throw error;
  });
  const migrationDirectories: MigrationDirectory[] = [];
  for (const entry of entries.filter((e) => e.isDirectory())) {
    const content = await readFile(path.join(migrationsDir, entry.name, migrationFileName), 'utf8').then(
      (value) => ({ tag: 'ok' as const, value }),
      (error: unknown) => ({ tag: 'error' as const, value: error instanceof Error ? error.message : String(error) }),
    );
    migrationDirectories.push({ path: entry.name, migrationFile: { path: migrationFileName, content } });
  }
  migrationDirectories.sort((a, b) => a.path.localeCompare(b.path));
  return {
    baseDir: migrationsDir,
    lockfile: { path: lockfileName, content: lockfile },
    shadowDbInitScript: '',
    migrationDirectories,
  };
}

/**
 * Applies every migration of the migrations directory not yet recorded in the
 * database's `_prisma_migrations` table, in order, and returns the names applied
 * now (empty when the database was up to date). Throws on the first failing migration.
 */
export async function applyMigrations(
  adapterFactory: SqlMigrationAwareDriverAdapterFactory,
  options: EngineOptions & { migrations?: MigrationList } = {},
): Promise<string[]> {
  const migrationsList = options.migrations ?? (await readMigrations(options.migrationsDir));
  return withEngine(adapterFactory, options, async (engine) => {
    const { appliedMigrationNames } = await engine.applyMigrations({ migrationsList, filters: noFilter });
    return appliedMigrationNames;
  });
}

/** A migration name becomes part of a directory name: letters, digits and underscores only. */
export function validateMigrationName(name: string): string {
  if (!/^[A-Za-z0-9_]{1,100}$/.test(name)) {
    throw new Error(`invalid migration name "${name}": use 1 to 100 letters, digits or underscores, e.g. add_vm_table`);
  }
  return name;
}

export type CreatedMigration = { name: string; dir: string; script: string };

/**
 * Writes a new migration holding the SQL that turns the existing migrations into the
 * schema, or returns null when they already match. Needs no database server: the
 * existing migrations are replayed into throw-away in-memory PGlite databases.
 */
export async function createMigration(name: string, options: EngineOptions = {}): Promise<CreatedMigration | null> {
  validateMigrationName(name);
  const migrationsDir = options.migrationsDir ?? defaultPaths.migrationsDir;
  const migrationsList = await readMigrations(migrationsDir);
  const { PGlite } = await import('@electric-sql/pglite');
  const scratch = await PGlite.create();
  try {
    const factory = await pgliteMigrationAdapter(scratch);
    const created = await withEngine(factory, options, async (engine, schemaFiles) => {
      // Replaying the history into the scratch database proves it applies cleanly
      // before anything is built on it.
      await engine.applyMigrations({ migrationsList, filters: noFilter });
      // devDiagnostic computes the schema of the migration history on a shadow
      // database and caches it for createMigration, which has no shadow of its own.
      const { action } = await engine.devDiagnostic({ migrationsList, filters: noFilter });
      if (action.tag === 'reset') throw new Error(`the migration history is inconsistent: ${action.reason}`);
      return engine.createMigration({
        draft: false,
        migrationName: name,
        migrationsList,
        schema: { files: schemaFiles },
        filters: noFilter,
      });
    });
    if (created.migrationScript === null) return null;
    const dir = path.join(migrationsDir, created.generatedMigrationName);
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, `migration.${created.extension}`), created.migrationScript, { flag: 'wx' });
    // Same lock file as Prisma's CLI writes: it records the provider the history is for.
    const lock = `# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "${created.connectorType}"\n`;
    if (migrationsList.lockfile.content !== lock) await writeFile(path.join(migrationsDir, lockfileName), lock);
    return { name: created.generatedMigrationName, dir, script: created.migrationScript };
  } finally {
    await scratch.close();
  }
}
