import { UsersPanel } from '@/components/access/users-panel';

export default function UsersPage() {
  return <UsersPanel />;
}
