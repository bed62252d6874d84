/**
 * QMP wire format: one JSON object per line, in both directions.
 * Pure functions, so framing and parsing are unit-tested without QEMU.
 */

export type QmpTimestamp = { seconds: number; microseconds: number };

/** An asynchronous event (`SHUTDOWN`, `STOP`, `RESUME`, `POWERDOWN` ...). */
export type QmpEvent = { event: string; data: Record<string, unknown>; timestamp: QmpTimestamp };

export type QmpMessage =
  | { kind: 'greeting'; version: string; capabilities: string[] }
  | { kind: 'return'; id: string | null; value: unknown }
  | { kind: 'error'; id: string | null; errorClass: string; desc: string }
  | { kind: 'event'; event: QmpEvent };

/**
 * Splits a byte stream into lines. Keeps the partial tail (including a
 * multi-byte character cut in two) until the rest arrives.
 */
export class QmpLineSplitter {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): string[] {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const lines: string[] = [];
    let start = 0;
    for (let nl = this.pending.indexOf(0x0a, start); nl !== -1; nl = this.pending.indexOf(0x0a, start)) {
      const line = this.pending.subarray(start, nl).toString('utf8').trim();
      if (line) lines.push(line);
      start = nl + 1;
    }
    this.pending = this.pending.subarray(start);
    return lines;
  }

  /** Bytes received after the last newline. */
  get bufferedBytes(): number {
    return this.pending.length;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function idOf(msg: Record<string, unknown>): string | null {
  const id = msg.id;
  if (typeof id === 'string') return id;
  if (typeof id === 'number') return String(id);
  return null;
}

/** Parses one line from QEMU; throws on anything that is not a QMP message. */
export function parseQmpMessage(line: string): QmpMessage {
  const msg: unknown = JSON.parse(line);
  if (!isRecord(msg)) throw new Error(`QMP: not an object: ${line.slice(0, 200)}`);
  if (isRecord(msg.QMP)) {
    const v = isRecord(msg.QMP.version) && isRecord(msg.QMP.version.qemu) ? msg.QMP.version.qemu : {};
    const version = [v.major, v.minor, v.micro].map((n) => (typeof n === 'number' ? n : '?')).join('.');
    const caps = Array.isArray(msg.QMP.capabilities) ? msg.QMP.capabilities.filter((c) => typeof c === 'string') : [];
    return { kind: 'greeting', version, capabilities: caps };
  }
  if ('return' in msg) return { kind: 'return', id: idOf(msg), value: msg.return };
  if (isRecord(msg.error)) {
    return {
      kind: 'error',
      id: idOf(msg),
      errorClass: typeof msg.error.class === 'string' ? msg.error.class : 'GenericError',
      desc: typeof msg.error.desc === 'string' ? msg.error.desc : JSON.stringify(msg.error),
    };
  }
  if (typeof msg.event === 'string') {
    const ts = isRecord(msg.timestamp) ? msg.timestamp : {};
    return {
      kind: 'event',
      event: {
        event: msg.event,
        data: isRecord(msg.data) ? msg.data : {},
        timestamp: {
          seconds: typeof ts.seconds === 'number' ? ts.seconds : 0,
          microseconds: typeof ts.microseconds === 'number' ? ts.microseconds : 0,
        },
      },
    };
  }
  throw new Error(`QMP: unknown message: ${line.slice(0, 200)}`);
}

/** One command line to send; `arguments` is left out when there are none. */
export function encodeQmpCommand(command: string, args: Record<string, unknown> | undefined, id: string): string {
  const msg: Record<string, unknown> = { execute: command, id };
  if (args && Object.keys(args).length) msg.arguments = args;
  return `${JSON.stringify(msg)}\n`;
}
