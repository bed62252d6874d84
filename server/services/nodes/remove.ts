import type { Db } from '@/server/db';
import { AppError } from '@/server/errors';
import { audited, type By } from '@/server/services/access/by';
import { isOnline } from './nodes';
import { syncNode } from './sync';

export type RemoveNodeInput = {
  node: string;
  /**
   * For a host that is gone for good: drop the console's records of the
   * guests it held (their disks went with the host). Refused while the node
   * answers.
   */
  forgetGuests?: boolean;
};

/** How many vmids an error message lists before "…". */
const LISTED = 10;

function vmidList(vmids: number[]): string {
  return vmids.slice(0, LISTED).join(', ') + (vmids.length > LISTED ? ` and ${vmids.length - LISTED} more` : '');
}

/**
 * Removes a node from the cluster, as Proxmox's `pvecm delnode`: the console
 * forgets the agent (its address, pinned certificate and token), the node's
 * metrics, console tickets and the ACL entries on /nodes/{node}. A node that
 * holds guests is refused: delete them or move them first. The agent on the
 * host keeps running and can join this or another console again with a new
 * join token. Its past tasks stay in the task history.
 */
export async function removeNode(db: Db, by: By, input: RemoveNodeInput): Promise<void> {
  const { node: name, forgetGuests = false } = input;
  await audited(
    db,
    by,
    'node.remove',
    name,
    async () => {
      const node = await db.node.findUnique({ where: { name }, select: { lastSeenAt: true } });
      if (!node) throw new AppError('NOT_FOUND', `no such node: ${name}`, { field: 'node' });
      let online = isOnline(node.lastSeenAt);
      if (online) {
        // The guests as the agent reports them now: a guest made a moment ago counts too.
        await syncNode(db, name).catch(() => undefined);
        const after = await db.node.findUnique({ where: { name }, select: { lastSeenAt: true } });
        online = isOnline(after?.lastSeenAt ?? null);
      }
      const vmids = (
        await db.guest.findMany({ where: { nodeName: name }, select: { vmid: true }, orderBy: { vmid: 'asc' } })
      ).map((g) => g.vmid);
      if (vmids.length > 0 && !forgetGuests) {
        throw new AppError(
          'CONFLICT',
          `node ${name} still holds guests ${vmidList(vmids)}: delete them first (if the host is gone for good, remove the node with "forget its guests")`,
        );
      }
      if (forgetGuests && online && vmids.length > 0) {
        throw new AppError(
          'CONFLICT',
          `node ${name} is online: delete its guests through the console instead; forgetting guests is for a host that is gone`,
          { field: 'forgetGuests' },
        );
      }
      const path = `/nodes/${name}`;
      try {
        await db.$transaction([
          db.guestMetric.deleteMany({ where: { vmid: { in: vmids } } }),
          db.guest.deleteMany({ where: { nodeName: name, vmid: { in: vmids } } }),
          db.nodeMetric.deleteMany({ where: { node: name } }),
          db.storageMetric.deleteMany({ where: { node: name } }),
          db.consoleTicket.deleteMany({ where: { node: name } }),
          db.aclEntry.deleteMany({ where: { path } }),
          db.node.delete({ where: { name } }),
        ]);
      } catch (e) {
        // A guest created on the node after the check holds it (foreign key).
        if (await db.guest.count({ where: { nodeName: name } })) {
          throw new AppError('CONFLICT', `node ${name} got a new guest while being removed; try again`);
        }
        throw e;
      }
    },
    { forgetGuests },
  );
}
