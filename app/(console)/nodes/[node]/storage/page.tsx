import { NodeStorage } from '@/components/node/node-storage';

export default async function NodeStoragePage({ params }: { params: Promise<{ node: string }> }) {
  return <NodeStorage node={(await params).node} />;
}
