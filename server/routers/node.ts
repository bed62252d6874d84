import { z } from 'zod';
import { ZNodeStatus } from '@/agent/contract/node';
import { ZVolume } from '@/agent/contract/storage';
import { ZNodeName, ZStorageId } from '@/agent/contract/common';
import { byOf } from '@/server/services/access/by';
import { listNodes } from '@/server/services/nodes/nodes';
import { createJoinToken } from '@/server/services/nodes/join';
import { removeNode } from '@/server/services/nodes/remove';
import { listVolumes } from '@/server/services/nodes/storage';
import { authedProcedure, guardedProcedure, router } from '@/server/trpc';

const ZNodeRow = z.object({
  name: z.string(),
  url: z.string(),
  status: z.enum(['online', 'offline']),
  lastSeenAt: z.date().nullable(),
  facts: ZNodeStatus.nullable(),
  can: z.object({ audit: z.boolean(), modify: z.boolean() }),
});

export const nodeRouter = router({
  /** Nodes the caller may audit (Sys.Audit on /nodes/{node}). */
  list: authedProcedure.output(z.array(ZNodeRow)).query(({ ctx }) => listNodes(ctx.db, ctx.perms)),

  /** A one-time join token and the command to run on the new host. */
  createJoinToken: guardedProcedure('Sys.Modify', '/')
    .input(
      z.object({
        consoleUrl: z
          .string()
          .url()
          .refine((u) => u.startsWith('https://'), 'must be an https:// URL'),
      }),
    )
    .output(z.object({ token: z.string(), expiresAt: z.date(), command: z.string() }))
    .mutation(({ ctx, input }) => createJoinToken(ctx.db, ctx.actor.userid, input.consoleUrl)),

  /**
   * Removes a node from the cluster (Proxmox's `pvecm delnode`, Sys.Modify on /
   * as there). Refused while it holds guests, unless the host is gone and the
   * caller asks to forget them.
   */
  remove: guardedProcedure('Sys.Modify', '/')
    .input(z.object({ node: ZNodeName, forgetGuests: z.boolean().default(false) }))
    .output(z.void())
    .mutation(({ ctx, input }) => removeNode(ctx.db, byOf(ctx), input)),

  /** Volumes of a storage on a node (ISO images, disk images). */
  volumes: guardedProcedure('Datastore.Audit', '/storage/{storage}')
    .input(
      z.object({
        node: ZNodeName,
        storage: ZStorageId,
        content: z.enum(['images', 'iso', 'snippets', 'backup']).optional(),
      }),
    )
    .output(z.array(ZVolume))
    .query(({ ctx, input }) => listVolumes(ctx.db, ctx.actor, input)),
});
