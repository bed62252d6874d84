import { PoolsPanel } from '@/components/access/pools-panel';

export default function PoolsPage() {
  return <PoolsPanel />;
}
