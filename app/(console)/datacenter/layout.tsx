import type { ReactNode } from 'react';
import { ContentTabs } from '@/components/shell/content-tabs';

const TABS = [
  { href: '/datacenter', label: 'Summary' },
  { href: '/datacenter/sessions', label: 'Sessions' },
];

export default function DatacenterLayout({ children }: { children: ReactNode }) {
  return (
    <ContentTabs title="Datacenter" tabs={TABS}>
      {children}
    </ContentTabs>
  );
}
