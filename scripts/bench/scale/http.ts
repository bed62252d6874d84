import https from 'node:https';
import superjson from 'superjson';

/**
 * A minimal HTTPS client for the benchmark: keep-alive sockets, the console's
 * self-signed certificate accepted, tRPC calls encoded as the browser's
 * client encodes them (superjson, one procedure per request).
 */
export type Http = {
  readonly origin: string;
  cookie: string;
  /** `keep`: of a 200 answer, only the first `keep` bytes are kept (errors are kept whole, for their message). */
  request(method: string, path: string, body?: string, headers?: Record<string, string>, keep?: number): Promise<Reply>;
  query<T>(procedure: string, input?: unknown): Promise<T>;
  /** A query whose answer is only checked (HTTP 200 and a tRPC result), not decoded: the load generator's reads. */
  probe(procedure: string, input?: unknown): Promise<void>;
  mutate<T>(procedure: string, input?: unknown): Promise<T>;
  close(): void;
};

export type Reply = { status: number; body: string; setCookie: string[] };

/**
 * At most 64 connections by default, as some ten users' browsers would open
 * (a browser opens at most 6 per host); more requests due at once wait for a
 * connection, and that wait counts in their latency.
 */
export function httpClient(origin: string, maxSockets = 64): Http {
  const agent = new https.Agent({ keepAlive: true, maxSockets, rejectUnauthorized: false });
  const self: Http = {
    origin,
    cookie: '',
    request(method, path, body, headers = {}, keep = Infinity) {
      return new Promise<Reply>((resolve, reject) => {
        const req = https.request(
          new URL(path, origin),
          {
            method,
            agent,
            headers: {
              ...(self.cookie ? { cookie: self.cookie } : {}),
              ...(body !== undefined ? { 'content-length': Buffer.byteLength(body) } : {}),
              ...headers,
            },
          },
          (res) => {
            const chunks: Buffer[] = [];
            const limit = res.statusCode === 200 ? keep : Infinity;
            let kept = 0;
            res.on('data', (c: Buffer) => {
              if (kept >= limit) return;
              chunks.push(c);
              kept += c.length;
            });
            res.on('end', () =>
              resolve({
                status: res.statusCode ?? 0,
                body: Buffer.concat(chunks).toString('utf8'),
                setCookie: res.headers['set-cookie'] ?? [],
              }),
            );
            res.on('error', reject);
          },
        );
        req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${path}: no answer in 30 s`)));
        req.on('error', reject);
        req.end(body);
      });
    },
    async query<T>(procedure: string, input?: unknown): Promise<T> {
      return decode<T>(procedure, await self.request('GET', queryPath(procedure, input)));
    },
    async probe(procedure: string, input?: unknown): Promise<void> {
      // Only the answer's start is looked at: turning a 300 KiB tree into a string
      // per request was most of the generator's work, on the CPUs it shares with the console.
      const reply = await self.request('GET', queryPath(procedure, input), undefined, {}, RESULT.length);
      if (reply.status !== 200 || !reply.body.startsWith(RESULT)) decode(procedure, reply);
    },
    async mutate<T>(procedure: string, input?: unknown): Promise<T> {
      const body = JSON.stringify(superjson.serialize(input ?? null));
      const reply = await self.request('POST', `/api/trpc/${procedure}`, body, { 'content-type': 'application/json' });
      return decode<T>(procedure, reply);
    },
    close: () => agent.destroy(),
  };
  return self;
}

const RESULT = '{"result":{"data":';

const queryPath = (procedure: string, input: unknown): string =>
  `/api/trpc/${procedure}${input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(superjson.serialize(input)))}`}`;

function decode<T>(procedure: string, reply: Reply): T {
  const parsed = JSON.parse(reply.body) as {
    result?: { data: Parameters<typeof superjson.deserialize>[0] };
    error?: { json?: { message?: string } };
  };
  if (reply.status !== 200 || !parsed.result) {
    throw new Error(`${procedure}: HTTP ${reply.status} ${parsed.error?.json?.message ?? reply.body.slice(0, 200)}`);
  }
  return superjson.deserialize<T>(parsed.result.data);
}

/** Signs in through next-auth's credentials flow, as the login page does; keeps the session cookie. */
export async function signIn(http: Http, username: string, password: string): Promise<void> {
  const csrf = await http.request('GET', '/api/auth/csrf');
  const csrfCookie = csrf.setCookie.map((c) => c.split(';')[0]).join('; ');
  const { csrfToken } = JSON.parse(csrf.body) as { csrfToken: string };
  const form = new URLSearchParams({ csrfToken, username, password, json: 'true' }).toString();
  const reply = await http.request('POST', '/api/auth/callback/credentials', form, {
    'content-type': 'application/x-www-form-urlencoded',
    cookie: csrfCookie,
  });
  const session = reply.setCookie.map((c) => c.split(';')[0]!).find((c) => c.startsWith('horcrux.session='));
  if (!session) throw new Error(`sign-in failed: HTTP ${reply.status} ${reply.body.slice(0, 200)}`);
  http.cookie = session;
}
