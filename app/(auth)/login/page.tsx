import { redirect } from 'next/navigation';
import { LoginForm } from '@/components/access/login-form';
import { currentActor, isSetupNeeded } from '@/server/access/page-session';

export const dynamic = 'force-dynamic';

export default async function LoginPage() {
  if (await isSetupNeeded()) redirect('/setup');
  if (await currentActor()) redirect('/datacenter');
  return (
    <main className="flex min-h-full items-center justify-center p-4">
      <LoginForm />
    </main>
  );
}
