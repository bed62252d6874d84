import { randomBytes } from 'node:crypto';
import type { JoinResponse } from '@/agent/contract/join';
import { sameHex, seal, sha256Hex } from '@/server/access/crypto';
import { handleJoinRequest, joinCommand } from '@/server/agent-client';
import type { Db } from '@/server/db';
import { env } from '@/server/env';
import { AppError } from '@/server/errors';
import { audit } from '@/server/services/audit/audit';
import { ensureCertificate } from '@/server/tls';

/** How long a join token can be used. */
export const JOIN_TOKEN_TTL_MS = 60 * 60_000;

export type CreatedJoinToken = { token: string; expiresAt: Date; command: string };

/**
 * A one-time join token (`<id>.<secret>`; the secret is stored hashed) and the
 * exact command to run on the new host, pinning this console's certificate.
 */
export async function createJoinToken(db: Db, actor: string, consoleUrl: string): Promise<CreatedJoinToken> {
  const id = randomBytes(6).toString('hex');
  const secret = randomBytes(24).toString('base64url');
  const expiresAt = new Date(Date.now() + JOIN_TOKEN_TTL_MS);
  await db.joinToken.create({ data: { id, secretHash: sha256Hex(secret), createdBy: actor, expiresAt } });
  await audit(db, { actor, action: 'node.join-token.create', target: id, result: 'ok' });
  const token = `${id}.${secret}`;
  const { fingerprint256 } = await ensureCertificate(env().dataDir, 'console');
  return {
    token,
    expiresAt,
    command: joinCommand({ consoleUrl, joinToken: token, consoleFingerprint: fingerprint256 }),
  };
}

function nameTaken(name: string): AppError {
  return new AppError(
    'CONFLICT',
    `a node named ${name} already exists: start the agent with another --name, or remove the old node first`,
    { field: 'name' },
  );
}

/**
 * Consumes a join token (once, atomically, even under concurrent joins) and
 * registers the node. Returns the node token the agent requires from now on.
 */
export async function joinNode(db: Db, body: unknown, client: { ip: string }): Promise<JoinResponse> {
  try {
    const res = await handleJoinRequest(body, {
      async consumeJoinToken(token, nodeName) {
        const [id, secret] = token.split('.');
        const row = id && secret ? await db.joinToken.findUnique({ where: { id } }) : null;
        if (!row || !secret || !sameHex(row.secretHash, sha256Hex(secret)) || row.expiresAt <= new Date()) return false;
        // Refuse a taken name before spending the token, so the same command works again with another --name.
        if (row.usedAt === null && (await db.node.findUnique({ where: { name: nodeName }, select: { name: true } }))) {
          throw nameTaken(nodeName);
        }
        const used = await db.joinToken.updateMany({
          where: { id, usedAt: null },
          data: { usedAt: new Date(), usedBy: nodeName },
        });
        return used.count === 1;
      },
      async persistNode(node) {
        if (await db.node.findUnique({ where: { name: node.name }, select: { name: true } })) {
          throw nameTaken(node.name);
        }
        await db.node.create({
          data: {
            name: node.name,
            url: node.url,
            fingerprint: node.fingerprint,
            tokenEnc: seal('node-token', node.token),
          },
        });
      },
    });
    await audit(db, { actor: `node:${res.name}`, ip: client.ip, action: 'node.join', target: res.name, result: 'ok' });
    return res;
  } catch (e) {
    await audit(db, {
      actor: 'node:?',
      ip: client.ip,
      action: 'node.join',
      result: { error: e instanceof Error ? e.message : 'failed' },
    });
    throw e;
  }
}
