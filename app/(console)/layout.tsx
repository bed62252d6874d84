import { redirect } from 'next/navigation';
import type { ReactNode } from 'react';
import { Shell } from '@/components/shell/shell';
import { currentActor, isSetupNeeded } from '@/server/access/page-session';

export const dynamic = 'force-dynamic';

/** Everything below requires a live session; without one, go to setup or sign-in. */
export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  const actor = await currentActor();
  if (!actor) redirect((await isSetupNeeded()) ? '/setup' : '/login');
  return <Shell userid={actor.userid}>{children}</Shell>;
}
