import { TokensPanel } from '@/components/access/tokens-panel';

export default function TokensPage() {
  return <TokensPanel />;
}
