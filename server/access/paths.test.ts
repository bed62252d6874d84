import { describe, expect, it } from 'vitest';
import { aclPathLevels, isPoolMemberPath, normalizeAclPath, parseAclPath } from './paths';

describe('normalizeAclPath (Proxmox normalize_path)', () => {
  it.each([
    ['/', '/'],
    ['//', '/'],
    ['/vms/', '/vms'],
    ['//vms///100//', '/vms/100'],
    ['vms/100', '/vms/100'],
    ['/storage/local-lvm', '/storage/local-lvm'],
  ])('%s -> %s', (raw, want) => {
    expect(normalizeAclPath(raw)).toBe(want);
  });

  it.each(['', '/vms/1 00', '/vms/1;rm', '/nodes/ñ', '/vms/../x?'])('rejects %j', (raw) => {
    expect(normalizeAclPath(raw)).toBeNull();
  });
});

describe('parseAclPath (Proxmox check_path)', () => {
  it.each([
    '/',
    '/vms',
    '/vms/100',
    '/vms/123456',
    '/nodes',
    '/nodes/pve1',
    '/storage',
    '/storage/local-zfs',
    '/pool',
    '/pool/dev.team_1',
    '/sdn',
    '/sdn/zones',
    '/sdn/zones/z1',
    '/sdn/zones/z1/vnet0',
    '/sdn/zones/z1/vnet0/42',
    '/access',
    '/access/groups',
    '/access/groups/admins',
    '/access/realm',
    '/access/realm/local',
    '/mapping/pci/gpu0',
  ])('accepts %s', (path) => {
    expect(parseAclPath(path)).toEqual({ ok: true, path });
  });

  it('normalises before checking', () => {
    expect(parseAclPath('//vms//100/')).toEqual({ ok: true, path: '/vms/100' });
  });

  it.each([
    '/foo',
    '/vms/99',
    '/vms/0100',
    '/vms/abc',
    '/vms/100/disk',
    '/nodes/pve1/qemu',
    '/pool/a/b',
    '/sdn/vnets/v1',
    '/sdn/zones/z1/v/0',
    '/access/users',
    '/storage/a/b',
  ])('rejects %s with the path and the allowed shapes', (path) => {
    const r = parseAclPath(path);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.message).toContain(`unknown ACL path '${path}'`);
      expect(r.message).toContain('/vms/{vmid}');
    }
  });

  it('rejects bad characters with their own message', () => {
    expect(parseAclPath('/vms/1 00')).toEqual({
      ok: false,
      message: "invalid ACL path '/vms/1 00': use only letters, digits, '.', '-', '_' and '/'",
    });
    expect(parseAclPath('').ok).toBe(false);
  });
});

describe('helpers', () => {
  it('lists the walk levels root first', () => {
    expect(aclPathLevels('/')).toEqual(['/']);
    expect(aclPathLevels('/vms/100')).toEqual(['/', '/vms', '/vms/100']);
    expect(aclPathLevels('/sdn/zones/z/v')).toEqual(['/', '/sdn', '/sdn/zones', '/sdn/zones/z', '/sdn/zones/z/v']);
  });

  it('knows which paths pools reach', () => {
    expect(isPoolMemberPath('/vms/100')).toBe(true);
    expect(isPoolMemberPath('/storage/local')).toBe(true);
    expect(isPoolMemberPath('/vms')).toBe(false);
    expect(isPoolMemberPath('/nodes/pve1')).toBe(false);
    expect(isPoolMemberPath('/pool/dev')).toBe(false);
  });
});
