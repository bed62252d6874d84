import type { IncomingMessage } from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { agentConsoleRoute, CONSOLE_CLOSE, type ConsoleKind } from '../contract/console';
import { pipeWebSocket } from '../console/pipe';
import { SerialHubs } from '../console/serial-hub';
import { guestPaths } from '../drivers/qemu/argv';
import type { GuestDriver } from '../drivers/types';
import type { NodeAuth } from './auth';
import { AgentError, errorBody, toAgentError } from './errors';
import type { GuestStore } from './guest-store';
import { Router } from './router';

export type ConsoleUpgradeDeps = {
  auth: NodeAuth;
  driver: GuestDriver;
  store: GuestStore;
  runDir: string;
  log: (line: string) => void;
};

/** Refuses an upgrade with the agent's usual JSON error answer, before any websocket exists. */
function refuse(socket: Duplex, e: AgentError): void {
  const { status, body } = errorBody(e);
  const text = JSON.stringify(body);
  socket.end(
    `HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : 'Refused'}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
  );
}

function connectUnix(path: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.createConnection({ path });
    s.once('error', reject);
    s.once('connect', () => {
      s.off('error', reject);
      resolve(s);
    });
  });
}

/**
 * The agent's console websockets (agent/contract/console.ts): node token first,
 * then the guest must exist and run, then the guest's VNC socket is opened (one
 * QEMU connection per viewer; QEMU shares its display between them) or the
 * guest's serial hub is joined; only then is the websocket accepted.
 */
export function createConsoleUpgrade(deps: ConsoleUpgradeDeps) {
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 4 * 1024 * 1024 });
  const serial = new SerialHubs();
  const router = new Router<true>();
  router.add('GET', agentConsoleRoute.path, true);
  const open = new Set<WebSocket>();

  async function target(vmid: number, kind: ConsoleKind): Promise<(ws: WebSocket) => void> {
    const stored = await deps.store.get(vmid);
    if (!stored) throw new AgentError('NOT_FOUND', `guest ${vmid} does not exist on this node`, { field: 'vmid' });
    const status = await deps.driver.status(vmid);
    if (status.state === 'stopped')
      throw new AgentError('CONFLICT', `guest ${vmid} is not running: start it to use its console`);
    const paths = guestPaths(deps.runDir, vmid);
    if (kind === 'serial') {
      if (!stored.config.serial)
        throw new AgentError('INVALID_INPUT', `guest ${vmid} has no serial port`, { field: 'kind' });
      const join = await serial.open(paths.serial).catch((e: NodeJS.ErrnoException) => {
        throw new AgentError('CONFLICT', `guest ${vmid}'s serial socket does not answer (${e.code ?? e.message})`);
      });
      return join;
    }
    const socket = await connectUnix(paths.vnc).catch((e: NodeJS.ErrnoException) => {
      throw new AgentError('CONFLICT', `guest ${vmid}'s VNC socket does not answer (${e.code ?? e.message})`);
    });
    return (ws) =>
      pipeWebSocket(ws, socket, () => ({
        code: CONSOLE_CLOSE.GUEST_CLOSED,
        reason: 'the guest closed its display (stopped or restarted)',
      }));
  }

  const handle = async (req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> => {
    socket.on('error', () => undefined);
    try {
      const verdict = await deps.auth.verify(req.headers.authorization);
      if (verdict !== 'ok')
        throw new AgentError(
          'UNAUTHENTICATED',
          verdict === 'not-joined' ? 'this agent has not joined a cluster yet' : `${verdict} node token`,
        );
      const url = new URL(req.url ?? '/', 'https://agent');
      const match = router.match(req.method ?? 'GET', url.pathname);
      if (!match || 'allowed' in match) throw new AgentError('NOT_FOUND', `no websocket route ${url.pathname}`);
      const parsed = agentConsoleRoute.params.safeParse(match.params);
      if (!parsed.success) {
        const field = String(parsed.error.issues[0]?.path[0] ?? 'path');
        throw new AgentError('INVALID_INPUT', `${field}: ${parsed.error.issues[0]?.message ?? 'invalid'}`, { field });
      }
      const attach = await target(parsed.data.vmid, parsed.data.kind);
      wss.handleUpgrade(req, socket, head, (ws) => {
        open.add(ws);
        ws.on('close', () => open.delete(ws));
        attach(ws);
      });
    } catch (e) {
      const err = toAgentError(e);
      if (err.code === 'INTERNAL') deps.log(`console upgrade ${req.url}: ${e instanceof Error ? e.stack : String(e)}`);
      refuse(socket, err);
    }
  };

  return {
    handle: (req: IncomingMessage, socket: Duplex, head: Buffer) => void handle(req, socket, head),
    /** Ends every console connection (agent shutdown); guests keep running. */
    async close(): Promise<void> {
      for (const ws of open) ws.terminate();
      await serial.closeAll();
    },
  };
}
