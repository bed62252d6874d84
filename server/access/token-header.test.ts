import { describe, expect, it } from 'vitest';
import { hashTokenSecret, parseTokenHeader, parseTokenId, tokenSecretMatches } from './token-header';

const SECRET = '3f2b8a1c-5d4e-4f6a-9b8c-7d6e5f4a3b2c';

describe('PVEAPIToken header', () => {
  it('parses user@realm!name=SECRET (and the ":" form)', () => {
    expect(parseTokenHeader(`PVEAPIToken=alice@local!ci=${SECRET}`)).toEqual({
      tokenid: 'alice@local!ci',
      userid: 'alice@local',
      name: 'ci',
      secret: SECRET,
    });
    expect(parseTokenHeader(`PVEAPIToken=alice@local!ci:${SECRET}`)?.tokenid).toBe('alice@local!ci');
  });

  it('refuses anything else', () => {
    for (const h of [
      '',
      'Bearer x',
      `PVEAPIToken alice@local!ci=${SECRET}`,
      `PVEAPIToken=alice@local=${SECRET}`,
      `PVEAPIToken=alice!ci=${SECRET}`,
      'PVEAPIToken=alice@local!ci=',
      `PVEAPIToken=alice@local!ci=${SECRET.toUpperCase()}`,
      `PVEAPIToken=alice@local!1x=${SECRET}`,
    ]) {
      expect(parseTokenHeader(h), h).toBeNull();
    }
  });

  it('splits token ids', () => {
    expect(parseTokenId('bob@ldap!deploy-1')).toEqual({ userid: 'bob@ldap', name: 'deploy-1' });
    expect(parseTokenId('bob@ldap')).toBeNull();
  });

  it('compares secrets by hash', () => {
    const stored = hashTokenSecret(SECRET);
    expect(stored).toMatch(/^[0-9a-f]{64}$/);
    expect(tokenSecretMatches(SECRET, stored)).toBe(true);
    expect(tokenSecretMatches(SECRET.replace('3', '4'), stored)).toBe(false);
    expect(tokenSecretMatches(SECRET, 'zz')).toBe(false);
  });
});
