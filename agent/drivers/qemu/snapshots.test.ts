import { describe, expect, it } from 'vitest';
import { parseQueryBlock } from './snapshots';

// `query-block` of QEMU 7.2 for a guest with a qcow2 disk on scsi0 and a CD-ROM (trimmed).
const QUERY_BLOCK = [
  {
    device: 'drive-scsi0',
    qdev: '/machine/peripheral/scsi0',
    locked: false,
    removable: false,
    type: 'unknown',
    inserted: {
      'node-name': '#block123',
      ro: false,
      drv: 'qcow2',
      file: '/data/images/100/vm-100-disk-0.qcow2',
      image: {
        filename: '/data/images/100/vm-100-disk-0.qcow2',
        format: 'qcow2',
        'virtual-size': 16777216,
        snapshots: [
          {
            id: '1',
            name: 'live',
            'vm-state-size': 69533696,
            'date-sec': 1795725000,
            'date-nsec': 1,
            'vm-clock-sec': 9,
            'vm-clock-nsec': 0,
            icount: 0,
          },
        ],
      },
    },
  },
  {
    device: 'drive-ide2',
    qdev: 'ide2',
    removable: true,
    locked: false,
    type: 'unknown',
    inserted: { 'node-name': '#block300', image: { format: 'raw' } },
  },
  { device: 'floppy0', removable: true, locked: false, type: 'unknown' },
];

describe('parseQueryBlock', () => {
  it("reads each guest disk's node and snapshots, skipping the CD-ROM and empty drives", () => {
    expect(parseQueryBlock(QUERY_BLOCK)).toEqual([
      {
        slot: 'scsi0',
        node: '#block123',
        format: 'qcow2',
        snapshots: [{ name: 'live', dateSec: 1795725000, vmStateSize: 69533696 }],
      },
    ]);
  });
});
