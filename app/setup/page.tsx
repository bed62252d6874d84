import { notFound } from 'next/navigation';
import { SetupWizard } from '@/components/setup/setup-wizard';
import { isSetupNeeded } from '@/server/access/page-session';

export const dynamic = 'force-dynamic';

/** The first-run wizard; gone (404) once the first administrator exists. */
export default async function SetupPage() {
  if (!(await isSetupNeeded())) notFound();
  return (
    <main className="flex min-h-full items-center justify-center p-4">
      <SetupWizard />
    </main>
  );
}
