import { issueLocalNodeToken } from '@/agent/server/auth';
import type { NodeStatus } from '@/agent/contract/node';
import { seal, unseal } from '@/server/access/crypto';
import { agentFor, type AgentClient } from '@/server/agent-client';
import type { Db } from '@/server/db';
import { AppError } from '@/server/errors';
import type { Permissions } from '@/server/services/access/permissions';

/** A node counts as online while its agent answered within this window (three heartbeats). */
export const ONLINE_WINDOW_MS = 30_000;

export type NodeRow = {
  name: string;
  url: string;
  status: 'online' | 'offline';
  lastSeenAt: Date | null;
  facts: NodeStatus | null;
  can: { audit: boolean; modify: boolean };
};

export function isOnline(lastSeenAt: Date | null, now = Date.now()): boolean {
  return lastSeenAt !== null && now - lastSeenAt.getTime() < ONLINE_WINDOW_MS;
}

/** Nodes the caller may audit, with their last reported facts. */
export async function listNodes(db: Db, perms: Permissions): Promise<NodeRow[]> {
  const nodes = await db.node.findMany({
    orderBy: { name: 'asc' },
    select: { name: true, url: true, lastSeenAt: true, facts: true },
  });
  return nodes
    .filter((n) => perms.has('Sys.Audit', `/nodes/${n.name}`))
    .map((n) => ({
      name: n.name,
      url: n.url,
      status: isOnline(n.lastSeenAt) ? 'online' : 'offline',
      lastSeenAt: n.lastSeenAt,
      facts: n.facts && typeof n.facts === 'object' && 'name' in n.facts ? (n.facts as NodeStatus) : null,
      can: { audit: true, modify: perms.has('Sys.Modify', `/nodes/${n.name}`) },
    }));
}

/** The typed agent client of a node, with its pinned certificate and its token. */
export async function clientFor(db: Db, name: string, user = 'root@pam'): Promise<AgentClient> {
  const node = await db.node.findUnique({
    where: { name },
    select: { name: true, url: true, fingerprint: true, tokenEnc: true },
  });
  if (!node) throw new AppError('NOT_FOUND', `no such node: ${name}`);
  return agentFor(
    { name: node.name, url: node.url, fingerprint: node.fingerprint, token: unseal('node-token', node.tokenEnc) },
    { user },
  );
}

/**
 * For `npm run up`: registers the agent on this host as a node without the join
 * round trip (console and agent run as root on one host): writes a fresh node
 * token into the agent's data directory, asks the agent its name, and stores the
 * node. Idempotent. Retries while the agent is still starting.
 */
export async function registerLocalNode(db: Db, agentDataDir: string, agentUrl: string): Promise<string> {
  const { token, fingerprint } = await issueLocalNodeToken(agentDataDir);
  const client = agentFor({ name: 'local agent', url: agentUrl, fingerprint, token });
  let status: NodeStatus | undefined;
  for (let attempt = 1; !status; attempt++) {
    try {
      status = await client.nodeStatus();
    } catch (e) {
      if (attempt >= 30) throw e;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  const data = {
    url: agentUrl,
    fingerprint,
    tokenEnc: seal('node-token', token),
    lastSeenAt: new Date(),
    facts: status,
  };
  await db.node.upsert({ where: { name: status.name }, create: { name: status.name, ...data }, update: data });
  return status.name;
}
