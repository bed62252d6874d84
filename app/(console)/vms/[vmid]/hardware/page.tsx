import { VmHardware } from '@/components/vm/vm-hardware';

export default async function VmHardwarePage({ params }: { params: Promise<{ vmid: string }> }) {
  return <VmHardware vmid={Number((await params).vmid)} />;
}
