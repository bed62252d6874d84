import { describe, expect, it } from 'vitest';
import type { AclEntry } from '@/server/access/resolve';
import { consoleTabs } from './capabilities';
import { permissionsFrom } from './permissions';

function tabsFor(acl: AclEntry[]) {
  return consoleTabs(
    permissionsFrom({ actor: { userid: 'a@local', groups: [], superuser: false }, acl, roles: {}, poolsOf: () => [] }),
  );
}

const entry = (path: string, roleid: string): AclEntry => ({
  path,
  type: 'user',
  ugid: 'a@local',
  roleid,
  propagate: true,
});

describe('Datacenter tabs follow the resolver', () => {
  it('a VM user gets no administration tabs', () => {
    expect(tabsFor([entry('/vms/100', 'PVEVMUser')])).toEqual({
      acl: false,
      users: false,
      groups: false,
      roles: false,
      realms: false,
      pools: false,
      audit: false,
    });
  });

  it('an auditor on / sees everything read-only; a group admin sees users and groups', () => {
    expect(tabsFor([entry('/', 'PVEAuditor')])).toMatchObject({
      acl: true,
      users: true,
      audit: true,
      realms: true,
      pools: true,
    });
    expect(tabsFor([entry('/access/groups/devs', 'PVEUserAdmin')])).toMatchObject({
      users: true,
      groups: true,
      acl: false,
      audit: false,
    });
    expect(tabsFor([entry('/pool/dev', 'PVEPoolUser')])).toMatchObject({ pools: true, users: false });
  });
});
