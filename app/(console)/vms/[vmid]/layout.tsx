import { notFound } from 'next/navigation';
import type { ReactNode } from 'react';
import { ContentTabs } from '@/components/shell/content-tabs';
import { VmActions } from '@/components/vm/vm-actions';
import { currentCanConsole } from '@/server/access/page-guest';

export default async function VmLayout({
  children,
  params,
}: {
  children: ReactNode;
  params: Promise<{ vmid: string }>;
}) {
  const { vmid } = await params;
  if (!/^\d{3,9}$/.test(vmid)) notFound();
  return (
    <ContentTabs
      title={`Virtual Machine ${vmid}`}
      actions={<VmActions vmid={Number(vmid)} />}
      tabs={[
        { href: `/vms/${vmid}`, label: 'Summary' },
        ...((await currentCanConsole(Number(vmid))) ? [{ href: `/vms/${vmid}/console`, label: 'Console' }] : []),
        { href: `/vms/${vmid}/hardware`, label: 'Hardware' },
        { href: `/vms/${vmid}/snapshots`, label: 'Snapshots' },
      ]}
    >
      {children}
    </ContentTabs>
  );
}
