import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { env } from '@/server/env';

/**
 * The console's signing secret: HORCRUX_SECRET, else `secret.key` in the data
 * directory, created on first start. Consoles sharing one PostgreSQL must share it
 * (set HORCRUX_SECRET, or copy the file).
 */
export async function ensureSecret(): Promise<string> {
  const fromEnv = env().HORCRUX_SECRET;
  if (fromEnv) return fromEnv;
  const file = path.join(env().dataDir, 'secret.key');
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  await mkdir(env().dataDir, { recursive: true, mode: 0o700 });
  const secret = randomBytes(48).toString('base64url');
  await writeFile(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  return secret;
}

/** The secret loaded by server/main.ts at start-up. */
export function sessionSecret(): string {
  const s = env().HORCRUX_SECRET ?? process.env.NEXTAUTH_SECRET;
  if (!s) throw new Error('no session secret: start the console with `npm start` (server/main.ts), which loads it');
  return s;
}
