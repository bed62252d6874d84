import { describe, expect, it } from 'vitest';
import { parseImageInfo } from './qemu-img';

// `qemu-img info --output=json` of QEMU 7.2 (Debian 12), recorded on this host.
const QCOW2 = {
  'virtual-size': 1073741824,
  filename: '/tmp/x.qcow2',
  'cluster-size': 65536,
  format: 'qcow2',
  'actual-size': 200704,
  'format-specific': { type: 'qcow2', data: { compat: '1.1', 'compression-type': 'zlib', corrupt: false } },
  'dirty-flag': false,
};

describe('parseImageInfo', () => {
  it('reads format and sizes', () => {
    expect(parseImageInfo(JSON.stringify(QCOW2))).toEqual({
      format: 'qcow2',
      virtualSize: 1073741824,
      actualSize: 200704,
    });
  });

  it('refuses output without format or size', () => {
    expect(() => parseImageInfo(JSON.stringify({ format: 'raw' }))).toThrow(/virtual-size/);
    expect(() => parseImageInfo('null')).toThrow();
  });
});
