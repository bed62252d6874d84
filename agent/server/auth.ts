import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ensureCertificate } from '../../server/tls';

/** The file in the agent's data dir holding the SHA-256 (hex) of its node token. */
export const TOKEN_HASH_FILE = 'node-token.sha256';
/** The name of the agent's certificate files in its data dir (`agent.pem`, `agent.key`). */
export const CERT_NAME = 'agent';

function sha256(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

/** A new node token: 32 random bytes, base64url. */
export function newNodeToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Stores the hash of `token` as the node token (replacing any earlier one). */
export async function storeNodeToken(dataDir: string, token: string): Promise<void> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, TOKEN_HASH_FILE);
  await writeFile(`${file}.tmp`, `${sha256(token).toString('hex')}\n`, { mode: 0o600 });
  await rename(`${file}.tmp`, file);
}

/**
 * For `npm run up` (console and agent on one host, both root): makes a node
 * token, stores its hash in the agent's data dir, and returns it with the
 * agent's certificate fingerprint, so the console can register the local node
 * without the join round trip. A running agent picks the new token up at once.
 */
export async function issueLocalNodeToken(dataDir: string): Promise<{ token: string; fingerprint: string }> {
  const { fingerprint256 } = await ensureCertificate(dataDir, CERT_NAME);
  const token = newNodeToken();
  await storeNodeToken(dataDir, token);
  return { token, fingerprint: fingerprint256 };
}

/** Checks bearer tokens against the stored hash; re-reads the file when it changes. */
export class NodeAuth {
  private readonly file: string;
  private cached: { mtimeMs: number; hash: Buffer } | null = null;

  constructor(dataDir: string) {
    this.file = path.join(dataDir, TOKEN_HASH_FILE);
  }

  /** The stored hash, or null before the agent has joined. */
  private async hash(): Promise<Buffer | null> {
    let mtimeMs: number;
    try {
      mtimeMs = (await stat(this.file)).mtimeMs;
    } catch {
      this.cached = null;
      return null;
    }
    if (this.cached?.mtimeMs === mtimeMs) return this.cached.hash;
    const hex = (await readFile(this.file, 'utf8')).trim();
    if (!/^[0-9a-f]{64}$/.test(hex)) return null;
    this.cached = { mtimeMs, hash: Buffer.from(hex, 'hex') };
    return this.cached.hash;
  }

  async joined(): Promise<boolean> {
    return (await this.hash()) !== null;
  }

  /** Constant-time comparison of the token's SHA-256 with the stored one. */
  async verify(authorization: string | undefined): Promise<'ok' | 'missing' | 'wrong' | 'not-joined'> {
    const expected = await this.hash();
    if (!expected) return 'not-joined';
    const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    if (!m) return 'missing';
    return timingSafeEqual(sha256(m[1]!), expected) ? 'ok' : 'wrong';
  }
}
