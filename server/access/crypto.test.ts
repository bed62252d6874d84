import { describe, expect, it } from 'vitest';
import { sameHex, seal, sha256Hex, unseal } from './crypto';

const SECRET = 'x'.repeat(48);

describe('secrets at rest', () => {
  it('round-trips and never stores the plaintext', () => {
    const sealed = seal('totp', 'JBSWY3DPEHPK3PXP', SECRET);
    expect(sealed).not.toContain('JBSWY3DPEHPK3PXP');
    expect(unseal('totp', sealed, SECRET)).toBe('JBSWY3DPEHPK3PXP');
    expect(seal('totp', 'same', SECRET)).not.toBe(seal('totp', 'same', SECRET));
  });

  it('refuses another key, another purpose and a tampered value', () => {
    const sealed = seal('totp', 'seed', SECRET);
    expect(() => unseal('totp', sealed, 'y'.repeat(48))).toThrow();
    expect(() => unseal('oidc-client-secret', sealed, SECRET)).toThrow();
    const parts = sealed.split('.');
    parts[3] = Buffer.from('zzzz').toString('base64url');
    expect(() => unseal('totp', parts.join('.'), SECRET)).toThrow();
  });

  it('compares digests in constant time', () => {
    expect(sameHex(sha256Hex('a'), sha256Hex('a'))).toBe(true);
    expect(sameHex(sha256Hex('a'), sha256Hex('b'))).toBe(false);
    expect(sameHex('', '')).toBe(false);
  });
});
