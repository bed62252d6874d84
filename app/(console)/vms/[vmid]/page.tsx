import { VmSummary } from '@/components/vm/vm-summary';

export default async function VmPage({ params }: { params: Promise<{ vmid: string }> }) {
  return <VmSummary vmid={Number((await params).vmid)} />;
}
