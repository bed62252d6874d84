import type { Readable } from 'node:stream';
import { parseVolumeId } from '../contract/common';
import type { GuestDriver } from '../drivers/types';
import { SAMPLE_INTERVAL_S, type MetricsSampler } from '../metrics/sampler';
import type { TaskRunner } from '../tasks/runner';
import { AgentError } from './errors';
import type { GuestsService } from './guests-service';
import type { Handlers } from './http';
import { nodeStatus } from './node-facts';
import type { Storages } from './resolve';
import type { SnapshotsService } from './snapshots-service';

export type HandlerDeps = {
  nodeName: string;
  driverName: 'qemu' | 'sim';
  driver: GuestDriver;
  guests: GuestsService;
  snapshots: SnapshotsService;
  tasks: TaskRunner;
  storages: Storages;
  metrics: MetricsSampler;
};

function storage(storages: Storages, id: string) {
  const s = storages.get(id);
  if (!s)
    throw new AgentError('NOT_FOUND', `storage ${JSON.stringify(id)} does not exist on this node`, {
      field: 'storage',
    });
  return s;
}

/** The agent's routes, bound to its services. */
export function createHandlers(d: HandlerDeps): Handlers {
  return {
    nodeStatus: async () => nodeStatus(d.nodeName, d.driverName, d.driver),

    metricsSamples: async ({ query }) => ({ interval: SAMPLE_INTERVAL_S, samples: d.metrics.samples(query.since) }),

    listGuests: async () => ({ guests: await d.guests.list() }),
    createGuest: async ({ body, user }) => ({ upid: await d.guests.create(body, user) }),
    getGuest: async ({ params }) => d.guests.get(params.vmid),
    updateGuest: async ({ params, body, user }) => ({ upid: await d.guests.update(params.vmid, body, user) }),
    shutdownGuest: async ({ params, body, user }) => ({ upid: await d.guests.shutdown(params.vmid, body, user) }),
    rebootGuest: async ({ params, body, user }) => ({ upid: await d.guests.reboot(params.vmid, body, user) }),
    guestAction: async ({ params, user }) => ({ upid: await d.guests.action(params.vmid, params.action, user) }),
    resizeDisk: async ({ params, body, user }) => ({ upid: await d.guests.resize(params.vmid, body, user) }),
    addDisk: async ({ params, body, user }) => ({ upid: await d.guests.addDisk(params.vmid, body, user) }),
    detachDisk: async ({ params, user }) => ({ upid: await d.guests.detachDisk(params.vmid, params.slot, user) }),
    deleteGuest: async ({ params, query, user }) => ({ upid: await d.guests.destroy(params.vmid, query.force, user) }),

    listSnapshots: async ({ params }) => d.snapshots.list(params.vmid),
    createSnapshot: async ({ params, body, user }) => ({ upid: await d.snapshots.create(params.vmid, body, user) }),
    rollbackSnapshot: async ({ params, body, user }) => ({
      upid: await d.snapshots.rollback(params.vmid, params.name, body, user),
    }),
    deleteSnapshot: async ({ params, user }) => ({ upid: await d.snapshots.delete(params.vmid, params.name, user) }),
    updateSnapshot: async ({ params, body }) => ({
      snapshot: await d.snapshots.update(params.vmid, params.name, body),
    }),

    listTasks: async ({ query }) => ({
      tasks: d.tasks.list({
        id: query.vmid === undefined ? undefined : String(query.vmid),
        running: query.running,
        limit: query.limit,
      }),
    }),
    taskStatus: async ({ params }) => {
      const s = d.tasks.status(params.upid);
      if (!s) throw new AgentError('NOT_FOUND', `task ${params.upid} does not exist on this node`, { field: 'upid' });
      return s;
    },
    taskLog: async ({ params, query }) => {
      const log = await d.tasks.log(params.upid, query.start, query.limit);
      if (!log) throw new AgentError('NOT_FOUND', `task ${params.upid} does not exist on this node`, { field: 'upid' });
      return log;
    },

    listStorages: async () => ({ storages: await Promise.all([...d.storages.values()].map((s) => s.status())) }),
    listVolumes: async ({ params, query }) => ({
      volumes: await storage(d.storages, params.storage).list(query.content),
    }),
    deleteVolume: async ({ params, user }) => {
      const s = storage(d.storages, params.storage);
      const v = parseVolumeId(params.volid);
      if (!v || v.storage !== s.id)
        throw new AgentError('INVALID_INPUT', `volid: ${params.volid} is not a volume of storage ${s.id}`, {
          field: 'volid',
        });
      await s.assertExists(params.volid, 'volid');
      const usedBy = await d.guests.volumeInUse(params.volid);
      if (usedBy !== null)
        throw new AgentError('CONFLICT', `volid: ${params.volid} is used by guest ${usedBy}`, { field: 'volid' });
      const upid = await d.tasks.startRecorded({
        type: 'imgdel',
        id: v.name,
        user,
        locks: [`volume:${params.volid}`, ...(v.vmid !== null ? [`guest:${v.vmid}`] : [])],
        run: async (ctx) => {
          await s.deleteVolume(params.volid, 'volid');
          ctx.log(`removed ${params.volid}`);
        },
      });
      return { upid };
    },
    uploadIso: async ({ params, body, req, proceed }) => {
      const length = Number(req.headers['content-length']);
      if (!Number.isSafeInteger(length) || length <= 0) {
        throw new AgentError('INVALID_INPUT', 'size: Content-Length is required for an upload', { field: 'size' });
      }
      const volume = await storage(d.storages, params.storage).uploadIso(
        params.filename,
        body as Readable,
        length,
        proceed,
      );
      return { volume };
    },
  };
}
