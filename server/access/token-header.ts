import { createHash, timingSafeEqual } from 'node:crypto';
import { parseUserid } from './userid';

/**
 * API token ids: `user@realm!name`, the name as Proxmox's `$token_subid_regex`
 * (a letter, then letters, digits, '.', '-' and '_', at most 64 characters).
 */
export const TOKEN_NAME_RE = /^[A-Za-z][A-Za-z0-9._-]{1,63}$/;

/** Token secrets are lowercase UUIDs, as Proxmox issues them (npm proxmox-api relies on it). */
const SECRET_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export type TokenCredentials = { tokenid: string; userid: string; name: string; secret: string };

/** Splits `user@realm!name` into its parts, or null. */
export function parseTokenId(tokenid: string): { userid: string; name: string } | null {
  const bang = tokenid.lastIndexOf('!');
  if (bang <= 0) return null;
  const userid = tokenid.slice(0, bang);
  const name = tokenid.slice(bang + 1);
  if (!parseUserid(userid) || !TOKEN_NAME_RE.test(name)) return null;
  return { userid, name };
}

/**
 * Parses `Authorization: PVEAPIToken=user@realm!name=SECRET` (Proxmox also
 * accepts a ':' instead of the second '='). Null for anything else.
 */
export function parseTokenHeader(header: string): TokenCredentials | null {
  const m = /^PVEAPIToken=(\S+)$/.exec(header.trim());
  if (!m) return null;
  const value = m[1]!;
  const bang = value.indexOf('!');
  const sep = Math.max(value.indexOf('=', bang), value.indexOf(':', bang + 1));
  if (bang <= 0 || sep <= bang) return null;
  const tokenid = value.slice(0, sep);
  const secret = value.slice(sep + 1);
  const parts = parseTokenId(tokenid);
  if (!parts || !SECRET_RE.test(secret)) return null;
  return { tokenid, secret, ...parts };
}

/** The stored form of a token secret: it is random, so SHA-256 is enough (no slow hash). */
export function hashTokenSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Compares a presented secret with a stored hash in constant time. */
export function tokenSecretMatches(secret: string, storedHash: string): boolean {
  const a = Buffer.from(hashTokenSecret(secret), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
