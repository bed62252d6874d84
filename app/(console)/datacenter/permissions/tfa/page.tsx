import { OwnPassword } from '@/components/access/own-password';
import { TfaPanel } from '@/components/access/tfa-panel';

export default function TfaPage() {
  return (
    <div className="space-y-8">
      <TfaPanel />
      <OwnPassword />
    </div>
  );
}
