import net from 'node:net';
import { WebSocket } from 'ws';

/** Where the RFB byte stream flows: a websocket (through a proxy) or QEMU's socket itself. */
type Transport = {
  send(b: Buffer): void;
  close(): void;
  onData(fn: (b: Buffer) => void): void;
  onClose(fn: (code: number, reason: string) => void): void;
};

function wsTransport(ws: WebSocket): Transport {
  return {
    send: (b) => ws.send(b, { binary: true }),
    close: () => ws.close(),
    onData: (fn) => ws.on('message', fn),
    onClose: (fn) => ws.on('close', (code: number, reason: Buffer) => fn(code, reason.toString())),
  };
}

/**
 * A minimal RFB (VNC) client over a websocket, for tests and the console
 * benchmark: security type None, 32-bit true colour, raw encoding only. It
 * reads every server message properly, so figures and pixels come from
 * complete framebuffer updates.
 */
export class RfbClient {
  width = 0;
  height = 0;
  name = '';
  /** Bytes received since the websocket opened. */
  bytesIn = 0;
  private buf: Buffer = Buffer.alloc(0);
  private want: { n: number; resolve: (b: Buffer) => void; reject: (e: Error) => void } | null = null;
  private closed: Error | null = null;
  closeInfo: { code: number; reason: string } | null = null;

  private constructor(private readonly transport: Transport) {
    transport.onData((data: Buffer) => {
      this.bytesIn += data.length;
      this.buf = this.buf.length ? Buffer.concat([this.buf, data]) : data;
      this.pump();
    });
    transport.onClose((code, reason) => {
      this.closeInfo = { code, reason };
      this.closed = new Error(`connection closed: ${code} ${reason}`);
      this.want?.reject(this.closed);
      this.want = null;
    });
  }

  /** Straight to QEMU's VNC unix socket, no proxy (the benchmark's baseline). */
  static openUnix(socketPath: string): Promise<RfbClient> {
    return new Promise((resolve, reject) => {
      const s = net.createConnection({ path: socketPath });
      s.once('error', reject);
      s.once('connect', () => {
        s.off('error', reject);
        s.on('error', () => undefined);
        resolve(
          new RfbClient({
            send: (b) => s.write(b),
            close: () => s.destroy(),
            onData: (fn) => s.on('data', fn),
            onClose: (fn) => s.on('close', () => fn(1006, 'socket closed')),
          }),
        );
      });
    });
  }

  /** Opens the websocket (no handshake yet). */
  static open(url: string, options: { origin?: string; rejectUnauthorized?: boolean } = {}): Promise<RfbClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, {
        perMessageDeflate: false,
        rejectUnauthorized: options.rejectUnauthorized ?? false,
        origin: options.origin,
      });
      const client = new RfbClient(wsTransport(ws));
      ws.once('open', () => resolve(client));
      ws.once('error', reject);
    });
  }

  /** Waits for the close of a websocket the server refuses. */
  static refusal(url: string, options: { origin?: string } = {}): Promise<{ code: number; reason: string }> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { perMessageDeflate: false, rejectUnauthorized: false, origin: options.origin });
      let got = 0;
      ws.on('message', (d: Buffer) => (got += d.length));
      ws.once('error', reject);
      ws.once('close', (code: number, reason: Buffer) =>
        got
          ? reject(new Error(`received ${got} bytes before the close`))
          : resolve({ code, reason: reason.toString() }),
      );
    });
  }

  private pump(): void {
    if (this.want && this.buf.length >= this.want.n) {
      const { n, resolve } = this.want;
      this.want = null;
      const out = this.buf.subarray(0, n);
      this.buf = this.buf.subarray(n);
      resolve(out);
    }
  }

  /** Exactly `n` bytes of the stream. */
  read(n: number): Promise<Buffer> {
    if (this.closed && this.buf.length < n) return Promise.reject(this.closed);
    return new Promise((resolve, reject) => {
      this.want = { n, resolve, reject };
      this.pump();
    });
  }

  send(b: Buffer): void {
    this.transport.send(b);
  }

  /** Version, security None, ClientInit (shared), ServerInit; then our pixel format and encodings. */
  async handshake(): Promise<void> {
    const version = (await this.read(12)).toString('latin1');
    if (!version.startsWith('RFB 003.')) throw new Error(`not an RFB server: ${JSON.stringify(version)}`);
    this.send(Buffer.from('RFB 003.008\n', 'latin1'));
    const count = (await this.read(1))[0]!;
    if (count === 0) throw new Error('server refused the connection');
    const types = [...(await this.read(count))];
    if (!types.includes(1)) throw new Error(`no security type None among ${types.join(',')}`);
    this.send(Buffer.from([1]));
    const result = (await this.read(4)).readUInt32BE(0);
    if (result !== 0) throw new Error(`security result ${result}`);
    this.send(Buffer.from([1])); // shared
    const init = await this.read(24);
    this.width = init.readUInt16BE(0);
    this.height = init.readUInt16BE(2);
    this.name = (await this.read(init.readUInt32BE(20))).toString('utf8');
    // SetPixelFormat: 32 bpp, depth 24, little endian, true colour, RGB at 16/8/0.
    const pf = Buffer.alloc(20);
    pf[0] = 0;
    Buffer.from([32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 16, 8, 0, 0, 0, 0]).copy(pf, 4);
    this.send(pf);
    this.setEncodings([0]);
  }

  /** SetEncodings; -258 is QEMU's extended key event, which QEMU acknowledges at once. */
  setEncodings(encodings: number[]): void {
    const b = Buffer.alloc(4 + 4 * encodings.length);
    b[0] = 2;
    b.writeUInt16BE(encodings.length, 2);
    encodings.forEach((e, i) => b.writeInt32BE(e, 4 + 4 * i));
    this.send(b);
  }

  requestUpdate(incremental: boolean, x = 0, y = 0, w = this.width, h = this.height): void {
    const b = Buffer.alloc(10);
    b[0] = 3;
    b[1] = incremental ? 1 : 0;
    b.writeUInt16BE(x, 2);
    b.writeUInt16BE(y, 4);
    b.writeUInt16BE(w, 6);
    b.writeUInt16BE(h, 8);
    this.send(b);
  }

  key(keysym: number, down: boolean): void {
    const b = Buffer.alloc(8);
    b[0] = 4;
    b[1] = down ? 1 : 0;
    b.writeUInt32BE(keysym, 4);
    this.send(b);
  }

  /**
   * Reads server messages until one framebuffer update arrives; returns its
   * rectangles (raw pixels for encoding 0, none for pseudo-encodings).
   */
  async nextUpdate(): Promise<
    { x: number; y: number; w: number; h: number; encoding: number; pixels: Buffer | null }[]
  > {
    for (;;) {
      const type = (await this.read(1))[0]!;
      if (type === 0) {
        const n = (await this.read(3)).readUInt16BE(1);
        const rects = [];
        for (let i = 0; i < n; i++) {
          const h = await this.read(12);
          const r = {
            x: h.readUInt16BE(0),
            y: h.readUInt16BE(2),
            w: h.readUInt16BE(4),
            h: h.readUInt16BE(6),
            encoding: h.readInt32BE(8),
          };
          if (r.encoding === 0) rects.push({ ...r, pixels: await this.read(r.w * r.h * 4) });
          else if (r.encoding === -223 || r.encoding === -258) {
            if (r.encoding === -223) {
              this.width = r.w;
              this.height = r.h;
            }
            rects.push({ ...r, pixels: null });
          } else throw new Error(`unexpected encoding ${r.encoding}`);
        }
        return rects;
      }
      if (type === 1) {
        const hdr = await this.read(5);
        await this.read(hdr.readUInt16BE(3) * 6);
      } else if (type === 2) {
        // bell
      } else if (type === 3) {
        const hdr = await this.read(7);
        await this.read(hdr.readUInt32BE(3));
      } else throw new Error(`unexpected server message ${type}`);
    }
  }

  /** A full, non-incremental screen: its raw pixels (BGRX, little endian). */
  async screen(): Promise<{ width: number; height: number; pixels: Buffer }> {
    for (;;) {
      this.requestUpdate(false);
      const rects = await this.nextUpdate();
      const raw = rects.filter((r) => r.pixels);
      if (!raw.length) continue;
      const pixels = Buffer.alloc(this.width * this.height * 4);
      for (const r of raw) {
        for (let row = 0; row < r.h; row++) {
          r.pixels!.copy(pixels, ((r.y + row) * this.width + r.x) * 4, row * r.w * 4, (row + 1) * r.w * 4);
        }
      }
      return { width: this.width, height: this.height, pixels };
    }
  }

  close(): void {
    this.transport.close();
  }
}

/** How many distinct colours a screen holds (1 means a blank screen). */
export function distinctColours(pixels: Buffer, limit = 64): number {
  const seen = new Set<number>();
  for (let i = 0; i + 3 < pixels.length && seen.size < limit; i += 4) seen.add(pixels.readUInt32LE(i) & 0xffffff);
  return seen.size;
}
