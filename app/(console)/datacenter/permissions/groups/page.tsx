import { GroupsPanel } from '@/components/access/groups-panel';

export default function GroupsPage() {
  return <GroupsPanel />;
}
