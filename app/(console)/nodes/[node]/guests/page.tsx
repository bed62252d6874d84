import { NodeGuests } from '@/components/node/node-guests';

export default async function NodeGuestsPage({ params }: { params: Promise<{ node: string }> }) {
  return <NodeGuests node={(await params).node} />;
}
