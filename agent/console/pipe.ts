import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';

/** Bytes queued towards a websocket before reading from its source pauses. */
export const HIGH_WATER_BYTES = 1 << 20;

/**
 * Sends one chunk to a websocket as one binary message; when the websocket's
 * queue is past the high-water mark, pauses `source` until that message is
 * flushed. No copy, no coalescing: a chunk read is a message sent.
 */
export function sendWithBackpressure(ws: WebSocket, chunk: Buffer, source: { pause(): void; resume(): void }): void {
  if (ws.readyState !== ws.OPEN) return;
  if (ws.bufferedAmount + chunk.length < HIGH_WATER_BYTES) {
    ws.send(chunk, { binary: true });
    return;
  }
  source.pause();
  ws.send(chunk, { binary: true }, () => source.resume());
}

/**
 * Pipes a websocket and a stream socket (QEMU's VNC socket) both ways, frame
 * by frame, with backpressure in both directions. When either side ends, the
 * other is closed: the websocket with `closeCode` and `closeReason` when the
 * socket ended first.
 */
export function pipeWebSocket(
  ws: WebSocket,
  socket: Socket,
  onSocketEnd: () => { code: number; reason: string },
): void {
  socket.setNoDelay?.(true);
  socket.on('data', (chunk: Buffer) => sendWithBackpressure(ws, chunk, socket));
  ws.on('message', (data: Buffer) => {
    if (!socket.write(data)) {
      ws.pause();
      socket.once('drain', () => ws.resume());
    }
  });
  let ended = false;
  const endSocket = () => {
    if (ended) return;
    ended = true;
    socket.destroy();
  };
  socket.on('error', () => undefined);
  socket.on('close', () => {
    if (ended) return;
    ended = true;
    const { code, reason } = onSocketEnd();
    if (ws.readyState === ws.OPEN) ws.close(code, reason);
    else ws.terminate();
  });
  ws.on('close', endSocket);
  ws.on('error', endSocket);
}
