import { describe, expect, it } from 'vitest';
import { formatBytes, formatUptime } from './format';

describe('formatting', () => {
  it('shows sizes in binary units', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.50 KiB');
    expect(formatBytes(24 * 1024 ** 3)).toBe('24.0 GiB');
  });

  it('shows uptimes as Proxmox does', () => {
    expect(formatUptime(42)).toBe('0m 42s');
    expect(formatUptime(3 * 3600 + 120)).toBe('3h 2m');
    expect(formatUptime(93_784)).toBe('1d 2h 3m');
  });
});
