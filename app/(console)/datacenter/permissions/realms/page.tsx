import { RealmsPanel } from '@/components/access/realms-panel';

export default function RealmsPage() {
  return <RealmsPanel />;
}
