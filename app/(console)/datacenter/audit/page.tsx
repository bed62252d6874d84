import { AuditPanel } from '@/components/access/audit-panel';

export default function AuditPage() {
  return <AuditPanel />;
}
