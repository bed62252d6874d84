import { describe, expect, it } from 'vitest';
import { createCsrfToken, createTicket, verifyCsrfToken, verifyTicket } from './ticket';

const SECRET = 'a test secret that is long enough for the console';
const NOW = 1_800_000_000;

describe('API tickets', () => {
  it("have Proxmox's shape and verify for their user", () => {
    const t = createTicket('alice@local', NOW, SECRET);
    expect(t).toMatch(/^PVE:alice@local:[0-9A-F]{8}::[A-Za-z0-9+/]+$/);
    expect(verifyTicket(t, NOW + 10, SECRET)).toBe('alice@local');
  });

  it('expire after two hours and refuse tampering or another secret', () => {
    const t = createTicket('alice@local', NOW, SECRET);
    expect(verifyTicket(t, NOW + 7199, SECRET)).toBe('alice@local');
    expect(verifyTicket(t, NOW + 7200, SECRET)).toBeNull();
    expect(verifyTicket(t.replace('alice', 'mallo'), NOW, SECRET)).toBeNull();
    expect(verifyTicket(t, NOW, `${SECRET}x`)).toBeNull();
    expect(verifyTicket('PVE:alice@local:6B49D200::', NOW, SECRET)).toBeNull();
    expect(verifyTicket('garbage', NOW, SECRET)).toBeNull();
  });

  it('CSRF tokens are bound to the user', () => {
    const c = createCsrfToken('alice@local', NOW, SECRET);
    expect(c).toMatch(/^[0-9A-F]{8}:\S+$/);
    expect(verifyCsrfToken(c, 'alice@local', NOW + 60, SECRET)).toBe(true);
    expect(verifyCsrfToken(c, 'bob@local', NOW + 60, SECRET)).toBe(false);
    expect(verifyCsrfToken(c, 'alice@local', NOW + 7200, SECRET)).toBe(false);
  });
});
