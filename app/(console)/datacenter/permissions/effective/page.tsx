import { EffectivePanel } from '@/components/access/effective-panel';

export default function EffectivePage() {
  return <EffectivePanel />;
}
