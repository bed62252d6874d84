import type { ReactNode } from 'react';
import { ContentTabs } from '@/components/shell/content-tabs';
import { currentTabs } from '@/server/access/page-tabs';
import type { ConsoleTabs } from '@/server/services/access/capabilities';

type Tab = { href: string; label: string; show?: keyof ConsoleTabs };

const TABS: Tab[] = [
  { href: '/datacenter', label: 'Summary' },
  { href: '/datacenter/guests', label: 'Guests' },
  { href: '/datacenter/nodes', label: 'Nodes' },
  { href: '/datacenter/sessions', label: 'Sessions' },
  { href: '/datacenter/permissions', label: 'Permissions', show: 'acl' },
  { href: '/datacenter/permissions/users', label: 'Users', show: 'users' },
  { href: '/datacenter/permissions/tokens', label: 'API Tokens' },
  { href: '/datacenter/permissions/tfa', label: 'Two Factor' },
  { href: '/datacenter/permissions/groups', label: 'Groups', show: 'groups' },
  { href: '/datacenter/permissions/pools', label: 'Pools', show: 'pools' },
  { href: '/datacenter/permissions/roles', label: 'Roles', show: 'roles' },
  { href: '/datacenter/permissions/realms', label: 'Realms', show: 'realms' },
  { href: '/datacenter/permissions/effective', label: 'Effective Permissions' },
  { href: '/datacenter/audit', label: 'Audit Log', show: 'audit' },
];

export default async function DatacenterLayout({ children }: { children: ReactNode }) {
  const can = await currentTabs();
  const tabs = TABS.filter((t) => !t.show || can?.[t.show]).map(({ href, label }) => ({ href, label }));
  return (
    <ContentTabs title="Datacenter" tabs={tabs}>
      {children}
    </ContentTabs>
  );
}
