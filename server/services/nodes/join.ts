import { randomBytes } from 'node:crypto';
import { ZJoinRequest, type JoinResponse } from '@/agent/contract/join';
import { sameHex, seal, sha256Hex } from '@/server/access/crypto';
import type { Db } from '@/server/db';
import { AppError } from '@/server/errors';
import { audit } from '@/server/services/audit/audit';

/** How long a join token can be used. */
export const JOIN_TOKEN_TTL_MS = 60 * 60_000;

export type CreatedJoinToken = { token: string; expiresAt: Date; command: string };

/**
 * A one-time join token (`<id>.<secret>`; the secret is stored hashed) and the
 * exact command to run on the new host.
 */
export async function createJoinToken(db: Db, actor: string, consoleUrl: string, consoleFingerprint: string | null): Promise<CreatedJoinToken> {
  const id = randomBytes(6).toString('hex');
  const secret = randomBytes(24).toString('base64url');
  const expiresAt = new Date(Date.now() + JOIN_TOKEN_TTL_MS);
  await db.joinToken.create({ data: { id, secretHash: sha256Hex(secret), createdBy: actor, expiresAt } });
  await audit(db, { actor, action: 'node.join-token.create', target: id, result: 'ok' });
  const token = `${id}.${secret}`;
  const pin = consoleFingerprint ? ` --fingerprint ${consoleFingerprint}` : '';
  return { token, expiresAt, command: `npm run agent -- --join ${consoleUrl} --token ${token} --name $(hostname -s)${pin}` };
}

const REFUSED = 'join refused: the join token is unknown, used or expired; create a new one under Datacenter → Nodes → Add node';

/**
 * Consumes a join token (once, atomically) and registers the node. Returns the
 * node token the agent will require from the console from now on.
 */
export async function joinNode(db: Db, raw: unknown, client: { ip: string }): Promise<JoinResponse> {
  const parsed = ZJoinRequest.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AppError('INVALID_INPUT', `${issue?.path.join('.') || 'request'}: ${issue?.message ?? 'invalid'}`, { field: issue?.path.join('.') });
  }
  const req = parsed.data;
  const [id, secret] = req.token.split('.');
  const row = id && secret ? await db.joinToken.findUnique({ where: { id } }) : null;
  if (!row || !secret || !sameHex(row.secretHash, sha256Hex(secret)) || row.usedAt || row.expiresAt <= new Date()) {
    await audit(db, { actor: `node:${req.name}`, ip: client.ip, action: 'node.join', target: req.name, result: { error: 'bad join token' } });
    throw new AppError('UNAUTHENTICATED', REFUSED);
  }
  const nodeToken = randomBytes(32).toString('base64url');
  await db.$transaction(async (tx) => {
    // Single use even under concurrent joins: only one update finds usedAt still null.
    const used = await tx.joinToken.updateMany({ where: { id: row.id, usedAt: null }, data: { usedAt: new Date(), usedBy: req.name } });
    if (used.count !== 1) throw new AppError('UNAUTHENTICATED', REFUSED);
    if (await tx.node.findUnique({ where: { name: req.name }, select: { name: true } })) {
      throw new AppError('CONFLICT', `a node named ${req.name} already exists: start the agent with another --name, or remove the old node first`, { field: 'name' });
    }
    await tx.node.create({ data: { name: req.name, url: req.agentUrl, fingerprint: req.agentFingerprint, tokenEnc: seal('node-token', nodeToken) } });
  });
  await audit(db, { actor: `node:${req.name}`, ip: client.ip, action: 'node.join', target: req.name, result: 'ok', detail: { url: req.agentUrl } });
  return { nodeToken, name: req.name };
}
