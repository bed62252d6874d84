import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';
import { sessionSecret } from './secret';

/**
 * Secrets at rest (TOTP seeds, OIDC client secrets, node tokens): AES-256-GCM under a key
 * derived with HKDF-SHA256 from the console secret, one key per purpose so a
 * value cannot be moved from one column to another. Stored as
 * `v1.<iv>.<tag>.<ciphertext>` in base64url.
 */
export type SealPurpose = 'totp' | 'oidc-client-secret' | 'oidc-state' | 'node-token';

/** What a MAC signs (never a key of another purpose): Proxmox-style API tickets and CSRF tokens. */
export type MacPurpose = 'api-ticket' | 'api-csrf';

/** Derived keys, per purpose and secret: every agent call unseals its node's token. */
const keys = new Map<string, Buffer>();

function keyFor(purpose: SealPurpose | MacPurpose, secret: string): Buffer {
  const id = `${purpose}\0${secret}`;
  let key = keys.get(id);
  if (!key) {
    key = Buffer.from(
      hkdfSync(
        'sha256',
        Buffer.from(secret, 'utf8'),
        Buffer.from('horcrux-at-rest-v1', 'utf8'),
        Buffer.from(purpose, 'utf8'),
        32,
      ),
    );
    // A handful of purposes and usually one secret; tests rotate secrets, so keep it bounded.
    if (keys.size >= 64) keys.clear();
    keys.set(id, key);
  }
  return key;
}

export function seal(purpose: SealPurpose, plaintext: string, secret = sessionSecret()): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyFor(purpose, secret), iv);
  cipher.setAAD(Buffer.from(purpose, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return ['v1', iv, cipher.getAuthTag(), body]
    .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
    .join('.');
}

/** Decrypts a sealed value; throws when it was altered or sealed under another key or purpose. */
export function unseal(purpose: SealPurpose, sealed: string, secret = sessionSecret()): string {
  const [v, iv, tag, body] = sealed.split('.');
  if (v !== 'v1' || !iv || !tag || body === undefined) throw new Error('not a sealed value');
  const decipher = createDecipheriv('aes-256-gcm', keyFor(purpose, secret), Buffer.from(iv, 'base64url'));
  decipher.setAAD(Buffer.from(purpose, 'utf8'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
}

/** HMAC-SHA256 of `data` under the purpose's key, base64 without padding (Proxmox's ticket signatures are base64). */
export function mac(purpose: MacPurpose, data: string, secret = sessionSecret()): string {
  return createHmac('sha256', keyFor(purpose, secret)).update(data, 'utf8').digest('base64').replace(/=+$/, '');
}

/** Constant-time comparison of two MACs as written by {@link mac}. */
export function sameMac(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/** Constant-time equality of two hex digests. */
export function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}
