import { VmSnapshots } from '@/components/snapshots/vm-snapshots';

export default async function VmSnapshotsPage({ params }: { params: Promise<{ vmid: string }> }) {
  return <VmSnapshots vmid={Number((await params).vmid)} />;
}
