import type { Db } from '@/server/db';
import type { Permissions } from '@/server/services/access/permissions';
import { clusterName } from '@/server/services/setup/setup';

export type ResourceTree = {
  cluster: { name: string; can: { audit: boolean } };
  nodes: { name: string; status: 'online' | 'offline'; guests: { vmid: number; name: string; status: string }[] }[];
};

/**
 * The resource tree of the left pane: Datacenter → nodes → guests, with only
 * what the caller may audit. Nodes and guests arrive with the agent issue.
 */
export async function resourceTree(db: Db, perms: Permissions): Promise<ResourceTree> {
  return {
    cluster: { name: (await clusterName(db)) ?? 'Datacenter', can: { audit: perms.has('Sys.Audit', '/') } },
    nodes: [],
  };
}
