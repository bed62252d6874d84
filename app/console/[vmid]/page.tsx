import { notFound, redirect } from 'next/navigation';
import { VmConsole } from '@/components/console/vm-console';
import { currentActor } from '@/server/access/page-session';

export const dynamic = 'force-dynamic';

/** The pop-out console window: only the console, no shell around it. */
export default async function PopOutConsolePage({
  params,
  searchParams,
}: {
  params: Promise<{ vmid: string }>;
  searchParams: Promise<{ kind?: string }>;
}) {
  const { vmid } = await params;
  if (!/^\d{3,9}$/.test(vmid)) notFound();
  if (!(await currentActor())) redirect('/login');
  const kind = (await searchParams).kind === 'serial' ? 'serial' : 'vnc';
  return (
    <main className="h-screen p-2">
      <title>{`Console: VM ${vmid}`}</title>
      <VmConsole vmid={Number(vmid)} initialKind={kind} popped />
    </main>
  );
}
