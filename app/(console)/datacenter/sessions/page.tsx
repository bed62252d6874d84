import { SessionsPanel } from '@/components/access/sessions-panel';

export default function SessionsPage() {
  return <SessionsPanel />;
}
