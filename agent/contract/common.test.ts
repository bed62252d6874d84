import { describe, expect, it } from 'vitest';
import { formatVolumeId, parseVolumeId, ZUserId, ZVolumeId } from './common';

describe('volume ids', () => {
  it.each([
    ['local:100/vm-100-disk-0.qcow2', { storage: 'local', content: 'images', vmid: 100, name: 'vm-100-disk-0.qcow2' }],
    [
      'local:iso/debian-12.5.0-amd64-netinst.iso',
      { storage: 'local', content: 'iso', vmid: null, name: 'debian-12.5.0-amd64-netinst.iso' },
    ],
    ['local:snippets/vmlinuz', { storage: 'local', content: 'snippets', vmid: null, name: 'vmlinuz' }],
    [
      'nas-1:backup/vzdump-qemu-100.vma.zst',
      { storage: 'nas-1', content: 'backup', vmid: null, name: 'vzdump-qemu-100.vma.zst' },
    ],
  ])('parses %s', (volid, parsed) => {
    expect(parseVolumeId(volid)).toEqual(parsed);
    expect(formatVolumeId(parseVolumeId(volid)!)).toBe(volid);
  });

  it.each([
    '../x',
    'local:iso/../x.iso',
    'local:iso/..',
    'local:iso/a/b.iso',
    'local:iso/x.img',
    'local:iso/.hidden.iso',
    'local:iso/-rf.iso',
    'local:iso/a;b.iso',
    'local:iso/a b.iso',
    'local:99/vm-99-disk-0.qcow2',
    'local:100/vm-100-disk-0.vmdk',
    'local:0100/vm-100-disk-0.qcow2',
    'local:images/vm-100-disk-0.qcow2',
    'local:/etc/passwd',
    '/etc/passwd',
    ':iso/x.iso',
    '1local:iso/x.iso',
    'local:iso/x.iso\n',
  ])('refuses %j', (volid) => {
    expect(parseVolumeId(volid)).toBeNull();
    expect(ZVolumeId.safeParse(volid).success).toBe(false);
  });
});

describe('user ids', () => {
  it.each(['root@pam', 'alice@pve', 'bob@corp.example', 'alice@pve!ci-token'])('accepts %s', (u) => {
    expect(ZUserId.safeParse(u).success).toBe(true);
  });
  it.each(['root', 'a:b@pve', 'alice@pve!', '@pve', 'a b@pve'])('refuses %j', (u) => {
    expect(ZUserId.safeParse(u).success).toBe(false);
  });
});
