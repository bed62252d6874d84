import { describe, expect, it } from 'vitest';
import { parseVolumeInfo } from './volumes';

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

describe('parseVolumeInfo', () => {
  it('reads format, sizes and flags', () => {
    expect(parseVolumeInfo(QCOW2)).toEqual({
      format: 'qcow2',
      virtualSizeBytes: 1073741824,
      actualSizeBytes: 200704,
      backingFile: null,
      dirty: false,
    });
  });

  it('reads a backing file', () => {
    expect(parseVolumeInfo({ ...QCOW2, 'backing-filename': '/img/base.qcow2' }).backingFile).toBe('/img/base.qcow2');
  });

  it('refuses output without format or size', () => {
    expect(() => parseVolumeInfo({ format: 'raw' })).toThrow(/virtual-size/);
    expect(() => parseVolumeInfo(null)).toThrow(/not a JSON object/);
  });
});
