import { AclPanel } from '@/components/access/acl-panel';

export default function AclPage() {
  return <AclPanel />;
}
