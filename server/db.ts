// The Prisma client, on embedded PGlite (`${dataDir}/db`) when DATABASE_URL is unset,
// else on PostgreSQL.
//
// Opened lazily, never at import time: `next build` imports route modules while
// collecting page data. One handle per process, kept on globalThis: the custom
// server and Next's bundled route handlers are separate module graphs in one
// process, and two PGlite instances on one data directory corrupt it.

import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { env } from './env';
import { PrismaClient } from './generated/prisma/client';

export type Db = PrismaClient;

type Handle = { client: PrismaClient; pglite: PGlite | null; url: string | null };

const handleKey = Symbol.for('horcrux.db');
const holder = globalThis as { [handleKey]?: Promise<Handle> };

async function open(): Promise<Handle> {
  const { DATABASE_URL: url, dataDir } = env();
  if (url) {
    const { PrismaPg } = await import('@prisma/adapter-pg');
    return { client: new PrismaClient({ adapter: new PrismaPg({ connectionString: url }) }), pglite: null, url };
  }
  const [{ PGlite }, { PrismaPGlite }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('pglite-prisma-adapter'),
  ]);
  await mkdir(dataDir, { recursive: true });
  const dir = path.join(dataDir, 'db');
  const pglite = await PGlite.create(dir).catch((error: unknown) => {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `cannot open the embedded database at ${dir} (${reason}); a data directory written by another PGlite version does not open: run the version that wrote it (package.json pins it)`,
      { cause: error },
    );
  });
  return { client: new PrismaClient({ adapter: new PrismaPGlite(pglite) }), pglite, url: null };
}

function handle(): Promise<Handle> {
  let opening = holder[handleKey];
  if (!opening) {
    opening = open();
    holder[handleKey] = opening;
    // A failed open must not stick: the next caller tries again.
    opening.catch(() => {
      if (holder[handleKey] === opening) delete holder[handleKey];
    });
  }
  return opening;
}

/** The process-wide Prisma client, opened on first use. */
export async function getDb(): Promise<Db> {
  return (await handle()).client;
}

/**
 * Applies pending migrations, on the very PGlite instance the client uses (a second
 * instance on the same directory would corrupt it), then returns the client.
 * Called once at start-up by server/main.ts.
 */
export async function migrateAndOpen(): Promise<Db> {
  const { client, pglite, url } = await handle();
  // Only server/main.ts calls this, run by tsx outside Next's bundles. Route bundles
  // import this module for getDb(); the ignore comment keeps Turbopack from tracing
  // the schema engine (and its file reads) into them.
  const { migrateDatabase } = await import(/* turbopackIgnore: true */ /* webpackIgnore: true */ '../prisma/migrate');
  if (pglite) await migrateDatabase({ kind: 'pglite', pglite });
  else if (url) await migrateDatabase({ kind: 'postgres', url });
  return client;
}

/** Closes the client and the PGlite instance; without it the process does not exit. */
export async function closeDb(): Promise<void> {
  const opening = holder[handleKey];
  if (!opening) return;
  delete holder[handleKey];
  const { client, pglite } = await opening.catch(() => ({ client: null, pglite: null }));
  try {
    await client?.$disconnect();
  } finally {
    await pglite?.close();
  }
}
