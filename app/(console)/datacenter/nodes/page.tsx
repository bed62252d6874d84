import { NodesPanel } from '@/components/node/nodes-panel';

export default function DatacenterNodesPage() {
  return <NodesPanel />;
}
