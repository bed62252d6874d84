import { z } from 'zod';
import { ZTaskRef } from './common';
import {
  ZAddDiskInput,
  ZCreateGuestInput,
  ZDeleteQuery,
  ZDiskParams,
  ZGuest,
  ZGuestList,
  ZRebootInput,
  ZResizeInput,
  ZShutdownInput,
  ZSimpleAction,
  ZUpdateGuestInput,
  ZVmidParams,
} from './guests';
import { ZMetricsSamples, ZMetricsSamplesQuery } from './metrics';
import { ZNodeStatus } from './node';
import {
  ZCreateSnapshotInput,
  ZRollbackSnapshotInput,
  ZSnapshotList,
  ZSnapshotParams,
  ZSnapshotResult,
  ZUpdateSnapshotInput,
} from './snapshots';
import {
  ZStorageList,
  ZStorageParams,
  ZUploadParams,
  ZUploadResult,
  ZVolumeList,
  ZVolumeListQuery,
  ZVolumeParams,
} from './storage';
import { ZTaskList, ZTaskListQuery, ZTaskLog, ZTaskLogQuery, ZTaskStatus, ZUpidParams } from './tasks';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/**
 * One endpoint of the agent: method, path pattern (`:name` segments), and the
 * schemas of its path parameters, query, JSON body and answer. `body: 'raw'`
 * means the request body is a byte stream (uploads). Both the agent's router and
 * the console's client are typed from this table.
 */
export type RouteDef = {
  method: HttpMethod;
  path: string;
  params: z.ZodType;
  query: z.ZodType;
  body: z.ZodType | 'raw' | null;
  response: z.ZodType;
};

const none = z.object({}).strict();
const emptyBody = z.object({}).strict().default({});

function route<const R extends RouteDef>(r: R): R {
  return r;
}

/** All agent endpoints, under `/api/v1`. Every one needs `Authorization: Bearer <node token>`. */
export const agentRoutes = {
  /** Host facts and load; the console's heartbeat. */
  nodeStatus: route({
    method: 'GET',
    path: '/api/v1/node/status',
    params: none,
    query: none,
    body: null,
    response: ZNodeStatus,
  }),

  /** Every guest of this node with its runtime status. */
  listGuests: route({
    method: 'GET',
    path: '/api/v1/guests',
    params: none,
    query: none,
    body: null,
    response: ZGuestList,
  }),
  /** Creates volumes and registers the guest; task `qmcreate`. */
  createGuest: route({
    method: 'POST',
    path: '/api/v1/guests',
    params: none,
    query: none,
    body: ZCreateGuestInput,
    response: ZTaskRef,
  }),
  getGuest: route({
    method: 'GET',
    path: '/api/v1/guests/:vmid',
    params: ZVmidParams,
    query: none,
    body: null,
    response: ZGuest,
  }),
  /** Task `qmconfig`; pending while the guest runs. */
  updateGuest: route({
    method: 'PUT',
    path: '/api/v1/guests/:vmid/config',
    params: ZVmidParams,
    query: none,
    body: ZUpdateGuestInput,
    response: ZTaskRef,
  }),
  /** Task `qmshutdown`. */
  shutdownGuest: route({
    method: 'POST',
    path: '/api/v1/guests/:vmid/status/shutdown',
    params: ZVmidParams,
    query: none,
    body: ZShutdownInput,
    response: ZTaskRef,
  }),
  /** Task `qmreboot`. */
  rebootGuest: route({
    method: 'POST',
    path: '/api/v1/guests/:vmid/status/reboot',
    params: ZVmidParams,
    query: none,
    body: ZRebootInput,
    response: ZTaskRef,
  }),
  /** Tasks `qmstart`, `qmstop`, `qmreset`, `qmpause`, `qmresume`. */
  guestAction: route({
    method: 'POST',
    path: '/api/v1/guests/:vmid/status/:action',
    params: ZVmidParams.extend({ action: ZSimpleAction }),
    query: none,
    body: emptyBody,
    response: ZTaskRef,
  }),
  /** Task `resize`. */
  resizeDisk: route({
    method: 'POST',
    path: '/api/v1/guests/:vmid/resize',
    params: ZVmidParams,
    query: none,
    body: ZResizeInput,
    response: ZTaskRef,
  }),
  /** Task `qmconfig`: a new (or unused) volume in a free slot; pending while the guest runs. */
  addDisk: route({
    method: 'POST',
    path: '/api/v1/guests/:vmid/disks',
    params: ZVmidParams,
    query: none,
    body: ZAddDiskInput,
    response: ZTaskRef,
  }),
  /** Task `qmconfig`: the disk leaves the config, its volume stays on the storage; the guest must be stopped. */
  detachDisk: route({
    method: 'POST',
    path: '/api/v1/guests/:vmid/disks/:slot/detach',
    params: ZDiskParams,
    query: none,
    body: emptyBody,
    response: ZTaskRef,
  }),
  /** Task `qmdestroy`: removes the guest and its image volumes. */
  deleteGuest: route({
    method: 'DELETE',
    path: '/api/v1/guests/:vmid',
    params: ZVmidParams,
    query: ZDeleteQuery,
    body: null,
    response: ZTaskRef,
  }),

  /** The guest's snapshot tree, reconciled with what its disk images hold. */
  listSnapshots: route({
    method: 'GET',
    path: '/api/v1/guests/:vmid/snapshots',
    params: ZVmidParams,
    query: none,
    body: null,
    response: ZSnapshotList,
  }),
  /** Task `qmsnapshot`. */
  createSnapshot: route({
    method: 'POST',
    path: '/api/v1/guests/:vmid/snapshots',
    params: ZVmidParams,
    query: none,
    body: ZCreateSnapshotInput,
    response: ZTaskRef,
  }),
  /** Task `qmrollback`. */
  rollbackSnapshot: route({
    method: 'POST',
    path: '/api/v1/guests/:vmid/snapshots/:name/rollback',
    params: ZSnapshotParams,
    query: none,
    body: ZRollbackSnapshotInput,
    response: ZTaskRef,
  }),
  /** Task `qmdelsnapshot`; children are re-linked to the deleted snapshot's parent. */
  deleteSnapshot: route({
    method: 'DELETE',
    path: '/api/v1/guests/:vmid/snapshots/:name',
    params: ZSnapshotParams,
    query: none,
    body: null,
    response: ZTaskRef,
  }),
  /** Changes the description at once (no task). */
  updateSnapshot: route({
    method: 'PUT',
    path: '/api/v1/guests/:vmid/snapshots/:name/config',
    params: ZSnapshotParams,
    query: none,
    body: ZUpdateSnapshotInput,
    response: ZSnapshotResult,
  }),

  listTasks: route({
    method: 'GET',
    path: '/api/v1/tasks',
    params: none,
    query: ZTaskListQuery,
    body: null,
    response: ZTaskList,
  }),
  taskStatus: route({
    method: 'GET',
    path: '/api/v1/tasks/:upid/status',
    params: ZUpidParams,
    query: none,
    body: null,
    response: ZTaskStatus,
  }),
  taskLog: route({
    method: 'GET',
    path: '/api/v1/tasks/:upid/log',
    params: ZUpidParams,
    query: ZTaskLogQuery,
    body: null,
    response: ZTaskLog,
  }),

  listStorages: route({
    method: 'GET',
    path: '/api/v1/storage',
    params: none,
    query: none,
    body: null,
    response: ZStorageList,
  }),
  listVolumes: route({
    method: 'GET',
    path: '/api/v1/storage/:storage/content',
    params: ZStorageParams,
    query: ZVolumeListQuery,
    body: null,
    response: ZVolumeList,
  }),
  /** Task `imgdel`; refused for an image a guest still uses. */
  deleteVolume: route({
    method: 'DELETE',
    path: '/api/v1/storage/:storage/content/:volid',
    params: ZVolumeParams,
    query: none,
    body: null,
    response: ZTaskRef,
  }),
  /** Streams an ISO to the storage; answers when it is complete. */
  uploadIso: route({
    method: 'PUT',
    path: '/api/v1/storage/:storage/upload/:filename',
    params: ZUploadParams,
    query: none,
    body: 'raw',
    response: ZUploadResult,
  }),

  /** Metrics samples kept by the agent (the last 30 min), taken after `since`. */
  metricsSamples: route({
    method: 'GET',
    path: '/api/v1/metrics/samples',
    params: none,
    query: ZMetricsSamplesQuery,
    body: null,
    response: ZMetricsSamples,
  }),
} as const;

export type AgentRoutes = typeof agentRoutes;
export type AgentRouteName = keyof AgentRoutes;

/** Fills a path pattern's `:name` segments, each URL-encoded. */
export function buildPath(pattern: string, params: Record<string, string | number>): string {
  return pattern.replace(/:([a-zA-Z]+)/g, (_, name: string) => {
    const v = params[name];
    if (v === undefined) throw new Error(`missing path parameter ${name} for ${pattern}`);
    return encodeURIComponent(String(v));
  });
}
