import { z } from 'zod';
import { ZNodeName, ZVmid } from '@/agent/contract/common';
import { dashboard } from '@/server/services/metrics/dashboard';
import { querySeries } from '@/server/services/metrics/query';
import { RANGE_NAMES } from '@/server/services/metrics/schema';
import { authedProcedure, guardedProcedure, router } from '@/server/trpc';

const ZGraphQuery = z.object({
  /** Proxmox's `timeframe`. */
  range: z.enum(RANGE_NAMES, { error: 'must be one of hour, day, week, month, year' }).default('hour'),
  /** Proxmox's consolidation function. */
  cf: z.enum(['AVERAGE', 'MAX'], { error: 'must be AVERAGE or MAX' }).default('AVERAGE'),
  /** Live updates: only the periods from this Unix time on. */
  since: z
    .number({ error: 'must be a Unix time in seconds' })
    .int('must be a Unix time in seconds')
    .min(0, 'must be a Unix time in seconds')
    .max(4_102_444_800, 'must be a Unix time in seconds before 2100')
    .optional(),
});

/**
 * A graph's columns, checked in one loop: zod's own array parse copies every
 * cell, 17,280 of them for a day graph, which cost more than the query.
 */
function isColumns(v: unknown): boolean {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  for (const column of Object.values(v)) {
    if (!Array.isArray(column)) return false;
    for (const x of column as unknown[]) if (x !== null && !(typeof x === 'number' && Number.isFinite(x))) return false;
  }
  return true;
}

const ZSeries = z.object({
  range: z.string(),
  cf: z.enum(['AVERAGE', 'MAX']),
  step: z.number(),
  from: z.number(),
  to: z.number(),
  start: z.number(),
  values: z.custom<Record<string, (number | null)[]>>(
    isColumns,
    'every series must be an array of finite numbers or nulls',
  ),
});

const ZTop = z.object({ vmid: z.number(), name: z.string(), node: z.string(), value: z.number(), max: z.number() });
const ZUsage = z.object({ used: z.number(), total: z.number() });

export const metricsRouter = router({
  /** A node's graphs: CPU, load, memory, swap, root disk, network, disk throughput, pressure. */
  node: guardedProcedure('Sys.Audit', '/nodes/{node}')
    .input(ZGraphQuery.extend({ node: ZNodeName }))
    .output(ZSeries)
    .query(({ ctx, input }) => querySeries(ctx.db, 'node', input.node, input.range, input.cf, { since: input.since })),

  /** A guest's graphs: CPU, memory, disk and network throughput. */
  guest: guardedProcedure('VM.Audit', '/vms/{vmid}')
    .input(ZGraphQuery.extend({ vmid: ZVmid }))
    .output(ZSeries)
    .query(({ ctx, input }) => querySeries(ctx.db, 'guest', input.vmid, input.range, input.cf, { since: input.since })),

  /** The datacenter summary, with only what the caller may see. */
  dashboard: authedProcedure
    .output(
      z.object({
        nodes: z.object({ online: z.number(), offline: z.number() }),
        guests: z.object({ running: z.number(), stopped: z.number(), other: z.number() }),
        cpu: ZUsage,
        memory: ZUsage,
        storage: ZUsage,
        topCpu: z.array(ZTop),
        topMemory: z.array(ZTop),
        failedTasks: z.array(
          z.object({
            upid: z.string(),
            node: z.string(),
            type: z.string(),
            target: z.string(),
            userId: z.string(),
            startedAt: z.date(),
            status: z.string(),
          }),
        ),
      }),
    )
    .query(({ ctx }) => dashboard(ctx.db, ctx.perms, ctx.actor.userid)),
});
