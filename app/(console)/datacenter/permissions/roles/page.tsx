import { RolesPanel } from '@/components/access/roles-panel';

export default function RolesPage() {
  return <RolesPanel />;
}
