import { ZJoinRequest, type JoinResponse } from '@/agent/contract/join';
import { newNodeToken } from '@/agent/server/auth';
import { AppError } from '@/server/errors';

export type JoinedNode = { name: string; url: string; fingerprint: string; token: string };

export type JoinDeps = {
  /**
   * Checks the one-time join token (exists, not expired, not used) and marks
   * it used, atomically; false when it is not valid.
   */
  consumeJoinToken(secret: string, nodeName: string): Promise<boolean>;
  /** Stores the node (encrypting its token); throws AppError CONFLICT when the name is taken. */
  persistNode(node: JoinedNode): Promise<void>;
};

/**
 * The console's side of `POST /api/agent/join`, free of HTTP and database:
 * validates the body, consumes the join token, makes the node token and
 * stores the node with the agent's pinned fingerprint. The route turns
 * AppErrors into `{ error: { code, message, field } }` with httpStatusOf.
 */
export async function handleJoinRequest(body: unknown, deps: JoinDeps): Promise<JoinResponse> {
  const parsed = ZJoinRequest.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.map(String).join('.') || 'body';
    throw new AppError('INVALID_INPUT', `${field}: ${issue?.message ?? 'invalid'}`, { field });
  }
  const req = parsed.data;
  if (!(await deps.consumeJoinToken(req.token, req.name))) {
    throw new AppError(
      'UNAUTHENTICATED',
      'the join token is unknown, expired or used already; create a new one under Datacenter → Nodes → Add node',
    );
  }
  const nodeToken = newNodeToken();
  await deps.persistNode({ name: req.name, url: req.agentUrl, fingerprint: req.agentFingerprint, token: nodeToken });
  return { nodeToken, name: req.name };
}

/** The command the UI shows for adding a node (run on the new host, as root). */
export function joinCommand(o: {
  consoleUrl: string;
  joinToken: string;
  consoleFingerprint: string;
  nodeName?: string;
}): string {
  const parts = [
    'npm run agent --',
    '--join',
    o.consoleUrl,
    '--token',
    o.joinToken,
    '--fingerprint',
    o.consoleFingerprint,
  ];
  if (o.nodeName) parts.push('--name', o.nodeName);
  return parts.join(' ');
}
