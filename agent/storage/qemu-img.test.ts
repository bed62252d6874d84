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
      snapshots: [],
    });
  });

  it('reads the internal snapshots of a qcow2 image', () => {
    const withSnaps = {
      ...QCOW2,
      snapshots: [
        {
          icount: 0,
          'vm-clock-nsec': 0,
          name: 'A',
          'date-sec': 1795724682,
          'date-nsec': 758164000,
          'vm-clock-sec': 0,
          id: '1',
          'vm-state-size': 0,
        },
        {
          icount: 0,
          'vm-clock-nsec': 5,
          name: 'B',
          'date-sec': 1795724690,
          'date-nsec': 1,
          'vm-clock-sec': 3,
          id: '2',
          'vm-state-size': 72351744,
        },
      ],
    };
    expect(parseImageInfo(JSON.stringify(withSnaps)).snapshots).toEqual([
      { id: '1', name: 'A', dateSec: 1795724682, vmStateSize: 0 },
      { id: '2', name: 'B', dateSec: 1795724690, vmStateSize: 72351744 },
    ]);
  });

  it('refuses output without format or size', () => {
    expect(() => parseImageInfo(JSON.stringify({ format: 'raw' }))).toThrow(/virtual-size/);
    expect(() => parseImageInfo('null')).toThrow();
  });
});
