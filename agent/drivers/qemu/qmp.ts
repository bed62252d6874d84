import { EventEmitter } from 'node:events';
import net from 'node:net';
import { encodeQmpCommand, parseQmpMessage, QmpLineSplitter, type QmpEvent } from './qmp-protocol';

export type { QmpEvent } from './qmp-protocol';

/** QEMU answered a command with an error (e.g. `GenericError`), or the channel failed. */
export class QmpError extends Error {
  /** QEMU's error class, or `Timeout` / `Closed` / `Protocol` for channel failures. */
  readonly errorClass: string;
  readonly command: string;

  constructor(command: string, errorClass: string, message: string) {
    super(message);
    this.name = 'QmpError';
    this.command = command;
    this.errorClass = errorClass;
  }
}

/** Return types of the commands the agent uses; others go through `execute` as `unknown`. */
export type QmpReturns = {
  'query-status': { status: string; running: boolean; singlestep?: boolean };
  'query-kvm': { enabled: boolean; present: boolean };
};

type Pending = {
  command: string;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
};

type QmpClientEvents = {
  event: [QmpEvent];
  close: [];
};

export type QmpConnectOptions = {
  /** Budget for connect + greeting + capabilities negotiation; default 5 s. */
  timeoutMs?: number;
  /** Default per-command timeout; default 10 s. */
  commandTimeoutMs?: number;
};

/**
 * A QMP client over a unix socket. QEMU serves one client per socket at a
 * time, so callers keep connections short or share one.
 */
export class QmpClient extends EventEmitter<QmpClientEvents> {
  readonly version: string;
  private readonly socket: net.Socket;
  private readonly pending = new Map<string, Pending>();
  private readonly commandTimeoutMs: number;
  private nextId = 1;
  private closed = false;

  private constructor(socket: net.Socket, splitter: QmpLineSplitter, version: string, commandTimeoutMs: number) {
    super();
    this.socket = socket;
    this.version = version;
    this.commandTimeoutMs = commandTimeoutMs;
    socket.on('data', (chunk: Buffer) => {
      for (const line of splitter.push(chunk)) this.onLine(line);
    });
    socket.on('error', () => this.teardown());
    socket.on('close', () => this.teardown());
  }

  /** Connects, reads the greeting and leaves negotiation mode (`qmp_capabilities`). */
  static connect(path: string, options: QmpConnectOptions = {}): Promise<QmpClient> {
    const timeoutMs = options.timeoutMs ?? 5_000;
    const commandTimeoutMs = options.commandTimeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      const socket = net.createConnection({ path });
      const splitter = new QmpLineSplitter();
      let stage: 'greeting' | 'capabilities' | 'done' = 'greeting';
      let version = '?';
      const fail = (message: string) => {
        if (stage === 'done') return;
        stage = 'done';
        clearTimeout(timer);
        socket.destroy();
        reject(new QmpError('qmp_capabilities', 'Protocol', `QMP ${path}: ${message}`));
      };
      const timer = setTimeout(() => fail(`no QMP greeting within ${timeoutMs} ms`), timeoutMs);
      const onData = (chunk: Buffer) => {
        for (const line of splitter.push(chunk)) {
          let msg;
          try {
            msg = parseQmpMessage(line);
          } catch (e) {
            fail(e instanceof Error ? e.message : String(e));
            return;
          }
          if (stage === 'greeting' && msg.kind === 'greeting') {
            version = msg.version;
            stage = 'capabilities';
            socket.write(encodeQmpCommand('qmp_capabilities', undefined, 'caps'));
          } else if (stage === 'capabilities' && msg.kind === 'return' && msg.id === 'caps') {
            stage = 'done';
            clearTimeout(timer);
            socket.off('data', onData);
            socket.off('error', onError);
            socket.off('close', onClose);
            resolve(new QmpClient(socket, splitter, version, commandTimeoutMs));
            return;
          } else if (msg.kind === 'error') {
            fail(`${msg.errorClass}: ${msg.desc}`);
            return;
          }
        }
      };
      const onError = (e: Error) => fail(e.message);
      const onClose = () => fail('connection closed during the handshake');
      socket.on('data', onData);
      socket.on('error', onError);
      socket.on('close', onClose);
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Runs a command and resolves with its `return` value; rejects on error, timeout or close. */
  execute<C extends keyof QmpReturns>(
    command: C,
    args?: Record<string, unknown>,
    options?: { timeoutMs?: number },
  ): Promise<QmpReturns[C]>;
  execute(command: string, args?: Record<string, unknown>, options?: { timeoutMs?: number }): Promise<unknown>;
  execute(command: string, args?: Record<string, unknown>, options: { timeoutMs?: number } = {}): Promise<unknown> {
    if (this.closed) return Promise.reject(new QmpError(command, 'Closed', `QMP ${command}: connection is closed`));
    const id = `h${this.nextId++}`;
    const timeoutMs = options.timeoutMs ?? this.commandTimeoutMs;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new QmpError(command, 'Timeout', `QMP ${command}: no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { command, resolve, reject, timer });
      this.socket.write(encodeQmpCommand(command, args, id));
    });
  }

  /** Closes the connection; pending commands are rejected. Resolves once the socket is closed. */
  close(): Promise<void> {
    if (this.closed && this.socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.end();
      setTimeout(() => this.socket.destroy(), 500).unref();
    });
  }

  private onLine(line: string): void {
    let msg;
    try {
      msg = parseQmpMessage(line);
    } catch {
      return;
    }
    if (msg.kind === 'event') {
      this.emit('event', msg.event);
      return;
    }
    if (msg.kind !== 'return' && msg.kind !== 'error') return;
    const pending = msg.id === null ? undefined : this.pending.get(msg.id);
    if (!pending || msg.id === null) return;
    this.pending.delete(msg.id);
    clearTimeout(pending.timer);
    if (msg.kind === 'return') pending.resolve(msg.value);
    else pending.reject(new QmpError(pending.command, msg.errorClass, `QMP ${pending.command}: ${msg.desc}`));
  }

  private teardown(): void {
    if (this.closed) return;
    this.closed = true;
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new QmpError(p.command, 'Closed', `QMP ${p.command}: connection closed before the answer`));
      this.pending.delete(id);
    }
    this.socket.destroy();
    this.emit('close');
  }
}
