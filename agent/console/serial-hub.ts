import net from 'node:net';
import type { WebSocket } from 'ws';
import { CONSOLE_CLOSE } from '../contract/console';

/** Recent output replayed to a viewer that joins, so it does not start on an empty screen. */
const BACKLOG_BYTES = 16 * 1024;
/** A viewer this far behind is dropped rather than slow down the others. */
const SLOW_VIEWER_BYTES = 8 * 1024 * 1024;

type Hub = { socket: net.Socket; viewers: Set<WebSocket>; backlog: Buffer[]; backlogBytes: number };

/**
 * QEMU's serial chardev serves one client at a time, so the agent holds one
 * connection per guest while anyone watches, and fans its output out to every
 * viewer; input from any viewer goes to the guest. The connection is closed
 * when the last viewer leaves (the driver's tests may then connect directly).
 */
export class SerialHubs {
  private readonly hubs = new Map<string, Promise<Hub>>();

  /** Opens (or shares) the serial connection at `socketPath`; rejects when it cannot be opened. */
  async open(socketPath: string): Promise<(ws: WebSocket) => void> {
    let pending = this.hubs.get(socketPath);
    if (!pending) {
      pending = this.connect(socketPath);
      this.hubs.set(socketPath, pending);
      pending.catch(() => this.hubs.delete(socketPath));
    }
    const hub = await pending;
    return (ws) => this.attach(socketPath, hub, ws);
  }

  /** Ends every viewer (agent shutdown). */
  async closeAll(): Promise<void> {
    for (const pending of this.hubs.values()) {
      const hub = await pending.catch(() => null);
      hub?.socket.destroy();
    }
  }

  private connect(socketPath: string): Promise<Hub> {
    return new Promise((resolve, reject) => {
      const socket = net.createConnection({ path: socketPath });
      const hub: Hub = { socket, viewers: new Set(), backlog: [], backlogBytes: 0 };
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        socket.on('error', () => undefined);
        resolve(hub);
      });
      socket.on('data', (chunk: Buffer) => {
        hub.backlog.push(chunk);
        hub.backlogBytes += chunk.length;
        while (hub.backlogBytes - (hub.backlog[0]?.length ?? 0) >= BACKLOG_BYTES) {
          hub.backlogBytes -= hub.backlog.shift()!.length;
        }
        for (const ws of hub.viewers) {
          if (ws.bufferedAmount > SLOW_VIEWER_BYTES) ws.close(1013, 'serial console: this viewer fell too far behind');
          else ws.send(chunk, { binary: true });
        }
      });
      socket.on('close', () => {
        this.hubs.delete(socketPath);
        for (const ws of hub.viewers)
          ws.close(CONSOLE_CLOSE.GUEST_CLOSED, 'the guest closed its serial port (stopped or restarted)');
        hub.viewers.clear();
      });
    });
  }

  private attach(socketPath: string, hub: Hub, ws: WebSocket): void {
    if (hub.socket.destroyed) {
      ws.close(CONSOLE_CLOSE.GUEST_CLOSED, 'the guest closed its serial port (stopped or restarted)');
      return;
    }
    hub.viewers.add(ws);
    if (hub.backlogBytes) ws.send(Buffer.concat(hub.backlog, hub.backlogBytes), { binary: true });
    ws.on('message', (data: Buffer) => sendInput(hub.socket, data, ws));
    const leave = () => {
      if (!hub.viewers.delete(ws)) return;
      if (hub.viewers.size === 0) {
        this.hubs.delete(socketPath);
        hub.socket.destroy();
      }
    };
    ws.on('close', leave);
    ws.on('error', leave);
  }
}

function sendInput(socket: net.Socket, data: Buffer, from: WebSocket): void {
  if (!socket.write(data)) {
    from.pause();
    socket.once('drain', () => from.resume());
  }
}
