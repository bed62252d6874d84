import type { Readable } from 'node:stream';
import type { z } from 'zod';
import type {
  AddDiskInput,
  CreateGuestInput,
  RebootInput,
  ResizeInput,
  ShutdownInput,
  SimpleAction,
  UpdateGuestInput,
} from '@/agent/contract/guests';
import type { DiskSlot } from '@/agent/drivers/types';
import { USER_HEADER } from '@/agent/contract/common';
import type { CreateSnapshotInput, RollbackSnapshotInput, UpdateSnapshotInput } from '@/agent/contract/snapshots';
import { ZAgentErrorBody } from '@/agent/contract/errors';
import { agentRoutes, buildPath, type AgentRouteName, type AgentRoutes } from '@/agent/contract/routes';
import type { TaskListQuery, TaskLogQuery, TaskStatus } from '@/agent/contract/tasks';
import { AppError } from '@/server/errors';
import { pinnedRequest, TransportError, type PinnedResponse } from './pinned-https';

/** What the console knows about a node's agent (from its Node row). */
export type AgentNode = {
  name: string;
  /** `https://10.0.0.2:8007`. */
  url: string;
  /** SHA-256 fingerprint of the agent's certificate, pinned at join time. */
  fingerprint: string;
  /** The node token (decrypted). */
  token: string;
};

export type AgentClientOptions = {
  /** The user the call acts for, recorded in task ids; default `root@pam`. */
  user?: string;
  /** Per request; default 15 s (uploads: 1 h). */
  timeoutMs?: number;
};

type Out<K extends AgentRouteName> = z.output<AgentRoutes[K]['response']>;
type CallInput = {
  params?: Record<string, string | number>;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
};

const DEFAULT_TIMEOUT_MS = 15_000;

function unreachable(node: AgentNode, reason: string, cause?: unknown): AppError {
  return new AppError(
    'AGENT_UNREACHABLE',
    `node ${node.name} is not reachable at ${node.url} (${reason}); check that \`npm run agent\` is running there`,
    { cause },
  );
}

function transportFailure(node: AgentNode, e: TransportError): AppError {
  if (e.kind === 'fingerprint') {
    return new AppError(
      'AGENT_UNREACHABLE',
      `node ${node.name} at ${node.url} presented a different certificate than the one pinned when it joined (${e.message}); if its certificate was replaced on purpose, join the node again`,
      { cause: e },
    );
  }
  const reason =
    e.kind === 'timeout'
      ? e.message
      : e.kind === 'tls'
        ? `TLS: ${e.message}`
        : e.code
          ? `connect ${e.code}`
          : e.message;
  return unreachable(node, reason, e);
}

function answerError(node: AgentNode, res: PinnedResponse): AppError {
  let json: unknown = null;
  try {
    json = JSON.parse(res.body.toString('utf8'));
  } catch {
    // not JSON: handled below
  }
  const parsed = ZAgentErrorBody.safeParse(json);
  if (!parsed.success)
    return new AppError('INTERNAL', `node ${node.name} answered HTTP ${res.status} without an error body`);
  const { code, message, field } = parsed.data.error;
  if (code === 'UNAUTHENTICATED') {
    return new AppError(
      'AGENT_UNREACHABLE',
      `node ${node.name} at ${node.url} refused the console's node token (${message}); join the node again`,
    );
  }
  return new AppError(code, `node ${node.name}: ${message}`, { field });
}

/**
 * The one typed client for an agent: every method is typed from
 * agent/contract/routes.ts, the agent's certificate is pinned, GETs are retried
 * once on a network failure, and failures are AppErrors (AGENT_UNREACHABLE with
 * what to check, VM_LOCKED naming the task, INVALID_INPUT naming the field ...).
 */
export function agentFor(node: AgentNode, options: AgentClientOptions = {}) {
  const user = options.user ?? 'root@pam';

  async function send(
    name: AgentRouteName,
    input: CallInput,
    raw?: { body: Readable; size: number },
  ): Promise<unknown> {
    const def = agentRoutes[name];
    const url = new URL(buildPath(def.path, input.params ?? {}), node.url);
    for (const [k, v] of Object.entries(input.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string | number> = {
      authorization: `Bearer ${node.token}`,
      [USER_HEADER]: user,
      accept: 'application/json',
    };
    let body: Buffer | Readable | undefined;
    if (raw) {
      body = raw.body;
      headers['content-type'] = 'application/octet-stream';
      headers['content-length'] = raw.size;
    } else if (def.body !== null && def.body !== 'raw') {
      body = Buffer.from(JSON.stringify(input.body ?? {}));
      headers['content-type'] = 'application/json';
      headers['content-length'] = body.length;
    }
    const attempts = def.method === 'GET' ? 2 : 1;
    let res: PinnedResponse | undefined;
    for (let attempt = 1; ; attempt++) {
      try {
        res = await pinnedRequest({
          url: url.toString(),
          method: def.method,
          headers,
          body,
          fingerprint: node.fingerprint,
          timeoutMs: options.timeoutMs ?? (raw ? 3_600_000 : DEFAULT_TIMEOUT_MS),
          expectContinue: raw !== undefined,
        });
        break;
      } catch (e) {
        if (!(e instanceof TransportError)) throw e;
        if (attempt >= attempts || e.kind === 'fingerprint') throw transportFailure(node, e);
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    if (res.status < 200 || res.status > 299) throw answerError(node, res);
    let json: unknown;
    try {
      json = JSON.parse(res.body.toString('utf8'));
    } catch {
      throw new AppError('INTERNAL', `node ${node.name} answered ${def.method} ${def.path} with invalid JSON`);
    }
    const parsed = def.response.safeParse(json);
    if (!parsed.success) {
      throw new AppError(
        'INTERNAL',
        `node ${node.name} answered ${def.method} ${def.path} outside the contract: ${parsed.error.issues[0]?.message ?? ''} (agent version mismatch?)`,
      );
    }
    return parsed.data;
  }

  const call = <K extends AgentRouteName>(name: K, input: CallInput = {}) => send(name, input) as Promise<Out<K>>;

  const client = {
    node,
    nodeStatus: () => call('nodeStatus'),

    listGuests: () => call('listGuests'),
    getGuest: (vmid: number) => call('getGuest', { params: { vmid } }),
    createGuest: (input: CreateGuestInput) => call('createGuest', { body: input }),
    updateGuest: (vmid: number, changes: UpdateGuestInput) => call('updateGuest', { params: { vmid }, body: changes }),
    guestAction: (vmid: number, action: SimpleAction) => call('guestAction', { params: { vmid, action } }),
    startGuest: (vmid: number) => client.guestAction(vmid, 'start'),
    stopGuest: (vmid: number) => client.guestAction(vmid, 'stop'),
    resetGuest: (vmid: number) => client.guestAction(vmid, 'reset'),
    pauseGuest: (vmid: number) => client.guestAction(vmid, 'pause'),
    resumeGuest: (vmid: number) => client.guestAction(vmid, 'resume'),
    shutdownGuest: (vmid: number, input: ShutdownInput = {}) =>
      call('shutdownGuest', { params: { vmid }, body: input }),
    rebootGuest: (vmid: number, input: RebootInput = {}) => call('rebootGuest', { params: { vmid }, body: input }),
    resizeDisk: (vmid: number, input: ResizeInput) => call('resizeDisk', { params: { vmid }, body: input }),
    addDisk: (vmid: number, input: AddDiskInput) => call('addDisk', { params: { vmid }, body: input }),
    detachDisk: (vmid: number, slot: DiskSlot) => call('detachDisk', { params: { vmid, slot } }),
    deleteGuest: (vmid: number, input: { force?: boolean } = {}) =>
      call('deleteGuest', { params: { vmid }, query: { force: input.force ? 1 : undefined } }),

    listSnapshots: (vmid: number) => call('listSnapshots', { params: { vmid } }),
    createSnapshot: (vmid: number, input: CreateSnapshotInput) =>
      call('createSnapshot', { params: { vmid }, body: input }),
    rollbackSnapshot: (vmid: number, name: string, input: RollbackSnapshotInput = {}) =>
      call('rollbackSnapshot', { params: { vmid, name }, body: input }),
    deleteSnapshot: (vmid: number, name: string) => call('deleteSnapshot', { params: { vmid, name } }),
    updateSnapshot: (vmid: number, name: string, input: UpdateSnapshotInput) =>
      call('updateSnapshot', { params: { vmid, name }, body: input }),
    /** Metrics samples the agent took after `since` (Unix seconds). */
    metricsSamples: (since = 0) => call('metricsSamples', { query: { since } }),

    listTasks: (query: TaskListQuery = {}) => call('listTasks', { query }),
    taskStatus: (upid: string) => call('taskStatus', { params: { upid } }),
    taskLog: (upid: string, query: TaskLogQuery = {}) => call('taskLog', { params: { upid }, query }),

    listStorages: () => call('listStorages'),
    listVolumes: (storage: string, content?: 'images' | 'iso' | 'snippets' | 'backup') =>
      call('listVolumes', { params: { storage }, query: { content } }),
    deleteVolume: (storage: string, volid: string) => call('deleteVolume', { params: { storage, volid } }),
    /** Streams `size` bytes of `body` as `filename` (an `.iso`) to the storage. */
    uploadIso: (storage: string, filename: string, body: Readable, size: number) =>
      send('uploadIso', { params: { storage, filename } }, { body, size }) as Promise<Out<'uploadIso'>>,

    /**
     * Polls a task until it ends. Resolves with its status when it ended OK or
     * with warnings; rejects with TASK_FAILED carrying the task's error otherwise.
     */
    async waitForTask(upid: string, opts: { timeoutMs?: number; pollMs?: number } = {}): Promise<TaskStatus> {
      const deadline = Date.now() + (opts.timeoutMs ?? 300_000);
      for (;;) {
        const s = await client.taskStatus(upid);
        if (s.status === 'stopped') {
          if (s.exitStatus?.startsWith('ERROR')) {
            throw new AppError(
              'TASK_FAILED',
              `task ${s.type} on node ${node.name} failed: ${s.exitStatus.slice('ERROR: '.length)}`,
            );
          }
          return s;
        }
        if (Date.now() > deadline)
          throw new AppError(
            'TASK_FAILED',
            `task ${upid} on node ${node.name} is still running after ${opts.timeoutMs ?? 300_000} ms`,
          );
        await new Promise((r) => setTimeout(r, opts.pollMs ?? 250));
      }
    },
  };
  return client;
}

export type AgentClient = ReturnType<typeof agentFor>;
