import { Secret, TOTP } from 'otpauth';
import { describe, expect, it } from 'vitest';
import { newRecoveryCodes, newTotpSecret, normalizeRecoveryCode, totpStep, totpUri } from './totp';

describe('TOTP', () => {
  it('accepts the current code and one step of skew, not older ones', () => {
    const secret = newTotpSecret();
    const app = new TOTP({ secret: Secret.fromBase32(secret) });
    const now = Date.now();
    const step = Math.floor(now / 30_000);
    expect(totpStep(secret, app.generate({ timestamp: now }), now)).toBe(step);
    expect(totpStep(secret, app.generate({ timestamp: now - 30_000 }), now)).toBe(step - 1);
    expect(totpStep(secret, app.generate({ timestamp: now - 120_000 }), now)).toBeNull();
    expect(totpStep(secret, 'abcdef', now)).toBeNull();
  });

  it('builds an otpauth URI with issuer and label', () => {
    const uri = totpUri(newTotpSecret(), 'alice@local', 'Horcrux');
    expect(uri).toMatch(/^otpauth:\/\/totp\/Horcrux:alice%40local\?/);
    expect(uri).toContain('issuer=Horcrux');
  });

  it('makes ten distinct recovery codes', () => {
    const codes = newRecoveryCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const c of codes) expect(c).toMatch(/^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$/);
    expect(normalizeRecoveryCode(' ABCD-efgh-1234 ')).toBe('abcdefgh1234');
  });
});
