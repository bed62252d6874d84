import { notFound } from 'next/navigation';
import type { ReactNode } from 'react';
import { ContentTabs } from '@/components/shell/content-tabs';

export default async function NodeLayout({
  children,
  params,
}: {
  children: ReactNode;
  params: Promise<{ node: string }>;
}) {
  const { node } = await params;
  if (!/^[a-zA-Z0-9-]{1,63}$/.test(node)) notFound();
  return (
    <ContentTabs
      title={`Node ${node}`}
      tabs={[
        { href: `/nodes/${node}`, label: 'Summary' },
        { href: `/nodes/${node}/guests`, label: 'Guests' },
        { href: `/nodes/${node}/storage`, label: 'Storage' },
      ]}
    >
      {children}
    </ContentTabs>
  );
}
