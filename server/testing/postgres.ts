// Throw-away PostgreSQL 15 servers and PGlite directories for integration tests.
//
// initdb and postgres refuse to run as root, so when the tests run as root the
// server runs as the `postgres` user in a directory it owns. Every command is an
// argument array (execFile/spawn), never a shell line.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);
const pgBin = '/usr/lib/postgresql/15/bin';
const asRoot = process.getuid?.() === 0;

/** Runs a PostgreSQL binary, as the `postgres` user when we are root. */
function pgCommand(binary: string, args: string[]): [string, string[]] {
  const file = path.join(pgBin, binary);
  return asRoot ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, args];
}

/** A TCP port free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

async function postgresIds(): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Polls until the server accepts a connection; fails early, with its log, if it exits. */
async function connectWhenReady(url: string, server: ChildProcess, logFile: string): Promise<pg.Client> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (server.exitCode !== null || server.signalCode !== null) {
      const log = await readFile(logFile, 'utf8').catch(() => '');
      throw new Error(`postgres exited (${server.exitCode ?? server.signalCode}) while starting:\n${log}`);
    }
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      return client;
    } catch (error) {
      await client.end().catch(() => undefined);
      if (Date.now() > deadline)
        throw new Error(`postgres did not accept connections at ${url} within 60 s`, { cause: error });
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

export type TestPostgres = {
  /** `postgresql://` URL of a fresh, empty database on the server. */
  url: string;
  /** Stops the server (fast shutdown) and removes its directory. */
  stop(): Promise<void>;
};

/**
 * Starts a PostgreSQL server on a free port of 127.0.0.1 in a temporary
 * directory and creates an empty database. Tests skip fsync;
 * `durable` keeps PostgreSQL's defaults (benchmarks measure what production does).
 */
export async function startPostgres(options: { durable?: boolean } = {}): Promise<TestPostgres> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'horcrux-pg-'));
  const dataDir = path.join(dir, 'data');
  const logFile = path.join(dir, 'postgres.log');
  let child: ChildProcess | undefined;
  const cleanUp = async (): Promise<void> => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const [file, args] = pgCommand('pg_ctl', ['stop', '-D', dataDir, '-m', 'fast', '-w']);
      await run(file, args).catch(() => child?.kill('SIGKILL'));
      await exited(child);
    }
    await rm(dir, { recursive: true, force: true });
  };

  try {
    if (asRoot) {
      const { uid, gid } = await postgresIds();
      await chown(dir, uid, gid);
    }
    // prettier-ignore
    const [initdb, initdbArgs] = pgCommand('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--no-sync']);
    await run(initdb, initdbArgs);

    const port = await freePort();
    // prettier-ignore
    const [postgres, postgresArgs] = pgCommand('postgres', [
      '-D', dataDir,
      '-p', String(port),
      '-h', '127.0.0.1',
      '-k', dir,
      // A test database does not need to survive a power cut.
      ...(options.durable ? [] : ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']),
    ]);
    // The server's log goes to a file so that a failed start can say why.
    const logFd = openSync(logFile, 'a');
    child = spawn(postgres, postgresArgs, { stdio: ['ignore', logFd, logFd] });
    closeSync(logFd);

    const admin = await connectWhenReady(`postgresql://postgres@127.0.0.1:${port}/postgres`, child, logFile);
    try {
      await admin.query('CREATE DATABASE horcrux');
    } finally {
      await admin.end();
    }
    return { url: `postgresql://postgres@127.0.0.1:${port}/horcrux`, stop: cleanUp };
  } catch (error) {
    await cleanUp();
    throw error;
  }
}

/** A fresh directory for a PGlite database (the directory itself does not exist yet). */
export async function makePgliteDir(): Promise<{ dir: string; remove(): Promise<void> }> {
  const parent = await mkdtemp(path.join(os.tmpdir(), 'horcrux-pglite-'));
  return { dir: path.join(parent, 'db'), remove: () => rm(parent, { recursive: true, force: true }) };
}
