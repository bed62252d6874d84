import { getDb } from '@/server/db';
import { loadPermissions } from '@/server/services/access/permissions';
import { currentActor } from './page-session';

/** For server components: whether the signed-in actor may open the guest's console (VM.Console). */
export async function currentCanConsole(vmid: number): Promise<boolean> {
  const actor = await currentActor();
  if (!actor) return false;
  return (await loadPermissions(await getDb(), actor)).has('VM.Console', `/vms/${vmid}`);
}
