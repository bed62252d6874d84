import { DatacenterSummary } from '@/components/shell/datacenter-summary';

export default function DatacenterPage() {
  return <DatacenterSummary />;
}
