import { NodeSummary } from '@/components/node/node-summary';

export default async function NodePage({ params }: { params: Promise<{ node: string }> }) {
  return <NodeSummary node={(await params).node} />;
}
