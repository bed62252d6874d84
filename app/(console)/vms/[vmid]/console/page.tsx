import { VmConsole } from '@/components/console/vm-console';

export default async function VmConsolePage({ params }: { params: Promise<{ vmid: string }> }) {
  return <VmConsole vmid={Number((await params).vmid)} />;
}
