import { cookies } from 'next/headers';
import { getDb } from '@/server/db';
import { setupNeeded } from '@/server/services/setup/setup';
import { actorFromSessionCookie, type Actor } from './actor';
import { SESSION_COOKIE } from './auth-options';

/** For server components: the signed-in actor of this request, or null. */
export async function currentActor(): Promise<Actor | null> {
  const jar = await cookies();
  return actorFromSessionCookie(await getDb(), jar.get(SESSION_COOKIE)?.value);
}

/** For server components: whether the first-run wizard is still open. */
export async function isSetupNeeded(): Promise<boolean> {
  return setupNeeded(await getDb());
}
