import type { OutgoingHttpHeaders } from 'node:http';
import { Agent, request } from 'node:https';
import type { Duplex, Readable } from 'node:stream';
import tls from 'node:tls';

/**
 * Why a request never got an answer: `connect` (refused, unreachable, DNS),
 * `timeout`, `fingerprint` (the peer's certificate is not the pinned one),
 * `tls` (handshake or, without a pin, chain verification failed).
 */
export type TransportErrorKind = 'connect' | 'timeout' | 'fingerprint' | 'tls';

export class TransportError extends Error {
  readonly kind: TransportErrorKind;
  /** The system error code, e.g. ECONNREFUSED. */
  readonly code?: string;

  constructor(kind: TransportErrorKind, message: string, options?: { code?: string; cause?: unknown }) {
    super(message, { cause: options?.cause });
    this.name = 'TransportError';
    this.kind = kind;
    this.code = options?.code;
  }
}

export type PinnedRequestOptions = {
  url: string;
  method: string;
  headers?: OutgoingHttpHeaders;
  body?: Buffer | Readable;
  /**
   * SHA-256 fingerprint (`AB:CD:...`) the server's certificate must have; the
   * chain and host name are then not checked (self-signed agent certificates).
   * Without it the usual CA verification applies.
   */
  fingerprint?: string;
  timeoutMs: number;
  /**
   * Send `Expect: 100-continue` and stream the body only once the server
   * agrees, so a refusal (bad name, no space) arrives before any upload.
   */
  expectContinue?: boolean;
};

export type PinnedResponse = { status: number; headers: Record<string, string | string[] | undefined>; body: Buffer };

const normalize = (fp: string) => fp.replaceAll(':', '').toUpperCase();

/** Resolves with the socket once it may carry HTTP, or fails with why it may not. */
type OnCreate = (err: Error | null, socket?: Duplex) => void;

/**
 * One TLS context for every outgoing connection (with the system's CAs for
 * the unpinned case): building one per connection, as tls.connect does when
 * given none, cost more than the handshake itself.
 */
let sharedContext: tls.SecureContext | undefined;
const secureContext = (): tls.SecureContext => (sharedContext ??= tls.createSecureContext());

/**
 * A `createConnection` for `https.request` (and for `ws`, which passes it on):
 * the TLS socket is handed over only after the peer's certificate matched the
 * pinned fingerprint, so not a byte (the bearer token included) reaches a
 * server that is not the pinned one. Without a fingerprint the usual CA
 * verification applies.
 */
export function pinnedConnector(target: { host: string; port: number; fingerprint?: string }) {
  const pin = target.fingerprint ? normalize(target.fingerprint) : null;
  const { host, port } = target;
  return (_opts: unknown, oncreate: OnCreate): undefined => {
    const socket = tls.connect({
      host,
      port,
      secureContext: secureContext(),
      servername: /^[\d.]+$|:/.test(host) ? undefined : host,
      rejectUnauthorized: pin === null,
      ALPNProtocols: ['http/1.1'],
    });
    let handedOver = false;
    socket.once('secureConnect', () => {
      if (pin !== null) {
        const cert = socket.getPeerCertificate();
        const got = cert.fingerprint256 ? normalize(cert.fingerprint256) : '';
        if (got !== pin) {
          socket.destroy();
          oncreate(
            new TransportError(
              'fingerprint',
              `certificate fingerprint ${cert.fingerprint256 ?? '(none)'} is not the pinned ${target.fingerprint}`,
            ),
          );
          return;
        }
      }
      handedOver = true;
      oncreate(null, socket);
    });
    socket.once('error', (e: NodeJS.ErrnoException) => {
      // After the hand-over, HTTP owns the socket's errors.
      if (!handedOver) oncreate(e);
    });
    return undefined;
  };
}

/**
 * Idle connections are closed after this long at most. Node also closes them
 * a second before the peer's announced keep-alive timeout (`Keep-Alive:
 * timeout=30` from the agent, whose connections thus outlive the console's
 * 10 s polls), so a request is not sent on a connection the peer is closing.
 */
const IDLE_MS = 60_000;

/** A keep-alive pool whose every connection was pinned when it was opened. */
class PinnedAgent extends Agent {
  private readonly connect: ReturnType<typeof pinnedConnector>;

  constructor(connect: ReturnType<typeof pinnedConnector>) {
    super({ keepAlive: true, timeout: IDLE_MS, maxFreeSockets: 4 });
    this.connect = connect;
  }

  override createConnection(...args: Parameters<ReturnType<typeof pinnedConnector>>): undefined {
    return this.connect(...args);
  }
}

/** Per peer and pin: the console polls every node every few seconds, and a handshake per call cost both sides. */
const pools = new Map<string, PinnedAgent>();

function poolFor(target: { host: string; port: number; fingerprint?: string }): PinnedAgent {
  const key = `${target.host}\0${target.port}\0${target.fingerprint ? normalize(target.fingerprint) : ''}`;
  let pool = pools.get(key);
  if (!pool) pools.set(key, (pool = new PinnedAgent(pinnedConnector(target))));
  return pool;
}

/**
 * One HTTPS request whose TLS connection is handed to HTTP only after the
 * peer's certificate matched the pin, so not a byte (the bearer token
 * included) reaches a server that is not the pinned one. Connections are kept
 * alive and reused per peer and pin; a request that finds its reused
 * connection closed by the peer before any answer is sent again once on a new
 * one. Streamed bodies (uploads) get a connection of their own.
 */
export function pinnedRequest(options: PinnedRequestOptions): Promise<PinnedResponse> {
  const url = new URL(options.url);
  if (url.protocol !== 'https:')
    return Promise.reject(new TransportError('connect', `${options.url} is not an https:// URL`));
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(url.port || 443);
  const target = { host, port, fingerprint: options.fingerprint };
  const streamed = options.body !== undefined && !Buffer.isBuffer(options.body);
  return attempt(options, url, target, streamed ? null : poolFor(target), true);
}

function attempt(
  options: PinnedRequestOptions,
  url: URL,
  target: { host: string; port: number; fingerprint?: string },
  pool: PinnedAgent | null,
  mayRetry: boolean,
): Promise<PinnedResponse> {
  const { host, port } = target;
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (e: TransportError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      reject(e);
    };
    const timer = setTimeout(
      () => fail(new TransportError('timeout', `no answer within ${options.timeoutMs} ms`, { code: 'ETIMEDOUT' })),
      options.timeoutMs,
    );

    const req = request({
      method: options.method,
      host,
      port,
      path: `${url.pathname}${url.search}`,
      headers: options.headers,
      ...(pool ? { agent: pool } : { createConnection: pinnedConnector(target) as never }),
    });
    req.on('error', (e: NodeJS.ErrnoException) => {
      if (e instanceof TransportError) return fail(e);
      if (req.reusedSocket && e.code === 'ECONNRESET' && mayRetry && !settled) {
        // The peer closed the idle connection as this request went out: nothing reached it.
        settled = true;
        clearTimeout(timer);
        attempt(options, url, target, pool, false).then(resolve, reject);
        return;
      }
      const tlsCode =
        typeof e.code === 'string' &&
        (e.code.startsWith('ERR_SSL') || e.code.includes('CERT') || e.code === 'ECONNRESET');
      fail(
        new TransportError(
          tlsCode && e.code !== 'ECONNRESET' ? 'tls' : 'connect',
          `${e.code ? `${e.code}: ` : ''}${e.message}`,
          { code: e.code, cause: e },
        ),
      );
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (e: NodeJS.ErrnoException) =>
        fail(new TransportError('connect', e.message, { code: e.code, cause: e })),
      );
      res.on('end', () => {
        if (!req.writableFinished) req.destroy();
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
      });
    });
    const body = options.body;
    if (body === undefined) req.end();
    else if (Buffer.isBuffer(body)) req.end(body);
    else {
      body.on('error', (e) => fail(new TransportError('connect', `request body: ${e.message}`)));
      if (options.expectContinue) {
        req.setHeader('expect', '100-continue');
        req.flushHeaders();
        req.once('continue', () => body.pipe(req));
        // Refused before the body was sent: stop the body, drop the connection after the answer.
        req.once('response', (res) => res.once('end', () => !body.destroyed && body.destroy()));
      } else {
        body.pipe(req);
      }
    }
  });
}
