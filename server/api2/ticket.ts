import { mac, sameMac } from '@/server/access/crypto';
import { parseUserid } from '@/server/access/userid';

/**
 * Proxmox's API tickets: `PVE:<userid>:<HEXTIME>::<signature>`, valid two
 * hours (a client renews one by posting it as the password), and the
 * CSRFPreventionToken `<HEXTIME>:<signature>` over the user, required with a
 * ticket on every write. Signed here with HMAC-SHA256 under a key derived from
 * the console secret (Proxmox signs with its RSA key); stateless, as in Proxmox.
 */
export const TICKET_LIFETIME_S = 7200;
/** Clock skew tolerated between consoles sharing a secret. */
const SKEW_S = 300;

const hexTime = (s: number) => s.toString(16).toUpperCase().padStart(8, '0');

export function createTicket(userid: string, nowS = Math.floor(Date.now() / 1000), secret?: string): string {
  const plain = `PVE:${userid}:${hexTime(nowS)}`;
  return `${plain}::${mac('api-ticket', plain, secret)}`;
}

function fresh(hex: string, nowS: number): boolean {
  if (!/^[0-9A-F]{8}$/.test(hex)) return false;
  const age = nowS - parseInt(hex, 16);
  return age > -SKEW_S && age < TICKET_LIFETIME_S;
}

/** The user of a valid, unexpired ticket, or null. */
export function verifyTicket(ticket: string, nowS = Math.floor(Date.now() / 1000), secret?: string): string | null {
  const m = /^PVE:([^:]+):([0-9A-F]{8})::(.+)$/.exec(ticket.trim());
  if (!m) return null;
  const [, userid, hex, sig] = m as unknown as [string, string, string, string];
  if (!parseUserid(userid) || !fresh(hex, nowS)) return null;
  return sameMac(sig, mac('api-ticket', `PVE:${userid}:${hex}`, secret)) ? userid : null;
}

export function createCsrfToken(userid: string, nowS = Math.floor(Date.now() / 1000), secret?: string): string {
  const hex = hexTime(nowS);
  return `${hex}:${mac('api-csrf', `${hex}:${userid}`, secret)}`;
}

export function verifyCsrfToken(
  token: string,
  userid: string,
  nowS = Math.floor(Date.now() / 1000),
  secret?: string,
): boolean {
  const m = /^([0-9A-F]{8}):(.+)$/.exec(token.trim());
  if (!m || !fresh(m[1]!, nowS)) return false;
  return sameMac(m[2]!, mac('api-csrf', `${m[1]}:${userid}`, secret));
}
