import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { CONSOLE_CLOSE, type ConsoleKind } from '@/agent/contract/console';
import { sendWithBackpressure } from '@/agent/console/pipe';
import type { Db } from '@/server/db';
import { consoleClosed, openConsole, type ConsoleGrant } from '@/server/services/console/connect';

const PATH = /^\/api\/console\/(vnc|serial)\/([1-9]\d{2,8})$/;

/** Close codes a browser may be sent as they are; anything else from the agent becomes AGENT_UNREACHABLE. */
function relayable(code: number): boolean {
  return code === 1000 || code === 1001 || (code >= 4000 && code <= 4999);
}

/** The Origin of a browser's request must be this console (a page elsewhere cannot ride the user's ticket). */
function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (!origin) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

/**
 * The console's websocket endpoint for guest consoles:
 * `/api/console/{vnc|serial}/<vmid>?ticket=...`. Every websocket is accepted,
 * then either closed at once with a close code and reason
 * (agent/contract/console.ts CONSOLE_CLOSE) or joined to the agent's websocket
 * for that guest, frame for frame. The rules live in
 * server/services/console/connect.ts.
 */
export function createConsoleUpgrade(getDb: () => Promise<Db>) {
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 4 * 1024 * 1024 });
  const live = new Set<WebSocket>();

  async function serve(browser: WebSocket, req: IncomingMessage, kind: ConsoleKind, vmid: number): Promise<void> {
    browser.pause();
    const ip = req.socket.remoteAddress ?? '';
    if (!sameOrigin(req)) {
      browser.resume();
      browser.close(CONSOLE_CLOSE.BAD_ORIGIN, 'the page opening this console is not from this console server');
      return;
    }
    const ticket = new URL(req.url ?? '/', 'https://console').searchParams.get('ticket') ?? '';
    const db = await getDb();
    const decision = await openConsole(db, { vmid, kind, ticket, ip });
    if (!decision.ok) {
      // Resumed, so the browser's closing handshake is read and the socket ends at once.
      browser.resume();
      browser.close(decision.code, decision.reason);
      return;
    }
    join(db, browser, decision, ip);
  }

  function join(db: Db, browser: WebSocket, grant: ConsoleGrant, ip: string): void {
    const { agent } = grant;
    let toGuest = 0;
    let fromGuest = 0;
    if (browser.readyState !== browser.OPEN) {
      agent.close(1000, 'viewer left');
      return;
    }
    agent.on('message', (data: Buffer) => {
      fromGuest += data.length;
      sendWithBackpressure(browser, data, agent);
    });
    browser.on('message', (data: Buffer) => {
      toGuest += data.length;
      sendWithBackpressure(agent, data, browser);
    });
    agent.on('close', (code: number, reason: Buffer) => {
      if (browser.readyState !== browser.OPEN) return;
      if (relayable(code)) browser.close(code, reason.toString());
      else browser.close(CONSOLE_CLOSE.AGENT_UNREACHABLE, `lost the connection to node ${grant.claim.node}`);
    });
    let recorded = false;
    browser.on('close', (code: number) => {
      if (agent.readyState === agent.OPEN || agent.readyState === agent.CONNECTING) agent.close(1000, 'viewer left');
      if (recorded) return;
      recorded = true;
      void consoleClosed(db, grant, ip, { code, bytesToGuest: toGuest, bytesFromGuest: fromGuest }).catch(
        (e: unknown) => console.error('console audit failed:', e),
      );
    });
    browser.resume();
  }

  return {
    /** Whether this upgrade request is for a guest console. */
    handles(req: IncomingMessage): boolean {
      return PATH.test(new URL(req.url ?? '/', 'https://console').pathname);
    },
    handle(req: IncomingMessage, socket: Duplex, head: Buffer): void {
      const m = PATH.exec(new URL(req.url ?? '/', 'https://console').pathname);
      if (!m) {
        socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
        return;
      }
      socket.on('error', () => undefined);
      wss.handleUpgrade(req, socket, head, (browser) => {
        live.add(browser);
        browser.on('close', () => live.delete(browser));
        browser.on('error', () => undefined);
        serve(browser, req, m[1] as ConsoleKind, Number(m[2])).catch((e: unknown) => {
          console.error('console connection failed:', e);
          browser.resume();
          if (browser.readyState === browser.OPEN) browser.close(1011, 'internal error; see the console log');
        });
      });
    },
    /** Ends every console connection (shutdown). */
    close(): void {
      for (const ws of live) ws.close(1001, 'the console server is stopping');
    },
  };
}
