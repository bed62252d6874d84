import { WebSocket } from 'ws';
import { USER_HEADER } from '@/agent/contract/common';
import { agentConsoleRoute, type ConsoleKind } from '@/agent/contract/console';
import { ZAgentErrorBody } from '@/agent/contract/errors';
import { buildPath } from '@/agent/contract/routes';
import { AppError } from '@/server/errors';
import type { AgentNode } from './client';
import { pinnedConnector, TransportError } from './pinned-https';

const OPEN_TIMEOUT_MS = 10_000;

/**
 * Opens the agent's websocket to a guest's VNC or serial socket
 * (agent/contract/console.ts), over the same pinned HTTPS as every agent call.
 * Resolves once the agent accepted it; rejects with the agent's refusal as an
 * AppError (CONFLICT: not running, INVALID_INPUT: no serial port ...) or
 * AGENT_UNREACHABLE.
 */
export function openConsoleSocket(
  node: AgentNode,
  vmid: number,
  kind: ConsoleKind,
  options: { user?: string; timeoutMs?: number } = {},
): Promise<WebSocket> {
  const base = new URL(node.url);
  const host = base.hostname.replace(/^\[|\]$/g, '');
  const port = Number(base.port || 443);
  const url = new URL(buildPath(agentConsoleRoute.path, { vmid, kind }), node.url);
  url.protocol = 'wss:';
  const ws = new WebSocket(url, {
    createConnection: pinnedConnector({ host, port, fingerprint: node.fingerprint }) as never,
    headers: { authorization: `Bearer ${node.token}`, [USER_HEADER]: options.user ?? 'root@pam' },
    perMessageDeflate: false,
    handshakeTimeout: options.timeoutMs ?? OPEN_TIMEOUT_MS,
    maxPayload: 64 * 1024 * 1024,
  });
  return new Promise((resolve, reject) => {
    const unreachable = (reason: string, cause?: unknown) =>
      new AppError(
        'AGENT_UNREACHABLE',
        `node ${node.name} is not reachable at ${node.url} (${reason}); check that \`npm run agent\` is running there`,
        { cause },
      );
    // Errors after the open end in 'close', which the caller handles.
    ws.on('error', () => undefined);
    ws.once('open', () => resolve(ws));
    ws.once('error', (e: NodeJS.ErrnoException) => {
      if (e instanceof TransportError && e.kind === 'fingerprint') {
        reject(
          new AppError(
            'AGENT_UNREACHABLE',
            `node ${node.name} at ${node.url} presented a different certificate than the one pinned when it joined (${e.message}); if its certificate was replaced on purpose, join the node again`,
          ),
        );
      } else reject(unreachable(e.code ? `connect ${e.code}` : e.message, e));
    });
    ws.once('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        setImmediate(() => ws.terminate());
        let json: unknown = null;
        try {
          json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          // handled below
        }
        const parsed = ZAgentErrorBody.safeParse(json);
        if (!parsed.success) {
          reject(new AppError('INTERNAL', `node ${node.name} refused the console with HTTP ${res.statusCode}`));
          return;
        }
        const { code, message, field } = parsed.data.error;
        if (code === 'UNAUTHENTICATED') {
          reject(unreachable(`it refused the console's node token: ${message}; join the node again`));
          return;
        }
        reject(new AppError(code, `node ${node.name}: ${message}`, { field }));
      });
    });
  });
}
