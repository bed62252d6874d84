import { describe, expect, it } from 'vitest';
import { AppError } from '@/server/errors';
import { handleJoinRequest, joinCommand, type JoinedNode } from './join';

const FP = Array.from({ length: 32 }, () => 'ab').join(':');
const request = {
  token: 'join-token-0123456789',
  name: 'pve2',
  agentUrl: 'https://10.0.0.2:8007',
  agentFingerprint: FP,
};

function deps(valid = true) {
  const persisted: JoinedNode[] = [];
  const consumed: string[] = [];
  return {
    persisted,
    consumed,
    consumeJoinToken: async (secret: string) => {
      consumed.push(secret);
      return valid;
    },
    persistNode: async (n: JoinedNode) => void persisted.push(n),
  };
}

describe('handleJoinRequest', () => {
  it('consumes the join token and stores the node with a fresh 32-byte token and the pinned fingerprint', async () => {
    const d = deps();
    const answer = await handleJoinRequest(request, d);
    expect(answer.name).toBe('pve2');
    expect(Buffer.from(answer.nodeToken, 'base64url')).toHaveLength(32);
    expect(d.consumed).toEqual([request.token]);
    expect(d.persisted).toEqual([
      { name: 'pve2', url: request.agentUrl, fingerprint: FP.toUpperCase(), token: answer.nodeToken },
    ]);
  });

  it('refuses an unknown or used join token without storing anything', async () => {
    const d = deps(false);
    await expect(handleJoinRequest(request, d)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(d.persisted).toEqual([]);
  });

  it.each([
    [{ name: 'a;b' }, 'name'],
    [{ agentUrl: 'http://10.0.0.2:8007' }, 'agentUrl'],
    [{ agentFingerprint: 'abc' }, 'agentFingerprint'],
    [{ token: 'short' }, 'token'],
  ])('refuses bad input %j naming the field, before touching the token', async (change, field) => {
    const d = deps();
    const e = await handleJoinRequest({ ...request, ...change }, d).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(AppError);
    expect((e as AppError).field).toBe(field);
    expect(d.consumed).toEqual([]);
  });
});

describe('joinCommand', () => {
  it('is the exact command to run on the new host', () => {
    expect(
      joinCommand({ consoleUrl: 'https://console:8006', joinToken: 'T0K', consoleFingerprint: FP, nodeName: 'pve2' }),
    ).toBe(`npm run agent -- --join https://console:8006 --token T0K --fingerprint ${FP} --name pve2`);
  });
});
