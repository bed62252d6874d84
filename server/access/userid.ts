import { z } from 'zod';

// Proxmox's rules (PVE::Auth::Plugin): a realm starts with a letter and has at most
// 32 characters of [A-Za-z0-9.-_]; a user name has no whitespace, ':' or '/'.
export const REALM_RE = /^[A-Za-z][A-Za-z0-9.\-_]{1,31}$/;
export const USERNAME_RE = /^[^\s:/@]{1,60}$/;

export const ZUsername = z
  .string()
  .trim()
  .regex(USERNAME_RE, 'a user name has 1 to 60 characters and no spaces, "@", ":" or "/"');

export const ZRealm = z
  .string()
  .regex(REALM_RE, 'a realm starts with a letter and has 2 to 32 letters, digits, ".", "-" or "_"');

/** A full user id `name@realm`. */
export const ZUserid = z
  .string()
  .trim()
  .refine((s) => parseUserid(s) !== null, 'a user id looks like name@realm, e.g. alice@local');

export type Userid = { name: string; realm: string };

export function parseUserid(userid: string): Userid | null {
  const at = userid.lastIndexOf('@');
  if (at <= 0) return null;
  const name = userid.slice(0, at);
  const realm = userid.slice(at + 1);
  if (!USERNAME_RE.test(name) || !REALM_RE.test(realm)) return null;
  return { name, realm };
}

export const ZPassword = z
  .string()
  .min(8, 'a password has at least 8 characters')
  .max(256, 'a password has at most 256 characters');
