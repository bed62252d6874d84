import { describe, expect, it } from 'vitest';
import { parseUserid, ZPassword, ZUserid } from './userid';

describe('user ids', () => {
  it('splits name@realm at the last @', () => {
    expect(parseUserid('alice@local')).toEqual({ name: 'alice', realm: 'local' });
    expect(parseUserid('root@pam')).toEqual({ name: 'root', realm: 'pam' });
  });

  it('refuses ids without a realm, with bad characters or a bad realm', () => {
    for (const bad of [
      'alice',
      '@local',
      'alice@',
      'al ice@local',
      'a/b@local',
      'a:b@local',
      'alice@1realm',
      'a@b@local',
    ]) {
      expect(parseUserid(bad), bad).toBeNull();
    }
    expect(ZUserid.safeParse('bob').success).toBe(false);
  });

  it('refuses short passwords', () => {
    expect(ZPassword.safeParse('short').success).toBe(false);
    expect(ZPassword.safeParse('long enough').success).toBe(true);
  });
});
