import { getDb } from '@/server/db';
import { consoleTabs, type ConsoleTabs } from '@/server/services/access/capabilities';
import { loadPermissions } from '@/server/services/access/permissions';
import { currentActor } from './page-session';

/** For server components: which Datacenter tabs to offer the signed-in actor (none when signed out). */
export async function currentTabs(): Promise<ConsoleTabs | null> {
  const actor = await currentActor();
  if (!actor) return null;
  return consoleTabs(await loadPermissions(await getDb(), actor));
}
