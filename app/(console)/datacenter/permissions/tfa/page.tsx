import { TfaPanel } from '@/components/access/tfa-panel';

export default function TfaPage() {
  return <TfaPanel />;
}
