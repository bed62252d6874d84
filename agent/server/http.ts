import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { USER_HEADER, ZUserId } from '../contract/common';
import type { AgentRouteName, AgentRoutes, RouteDef } from '../contract/routes';
import { agentRoutes } from '../contract/routes';
import type { NodeAuth } from './auth';
import { AgentError, errorBody, toAgentError, zodField } from './errors';
import { Router } from './router';

const MAX_JSON_BYTES = 1024 * 1024;

type BodyOf<R extends RouteDef> = R['body'] extends z.ZodType
  ? z.output<R['body']>
  : R['body'] extends 'raw'
    ? IncomingMessage
    : undefined;

/** What a route handler gets: its validated path params, query and body, and the acting user. */
export type HandlerInput<R extends RouteDef> = {
  params: z.output<R['params']>;
  query: z.output<R['query']>;
  body: BodyOf<R>;
  user: string;
  req: IncomingMessage;
  /**
   * For raw-body routes: tells a client that sent `Expect: 100-continue` to
   * send the body. Call it after the last check that could refuse the request.
   */
  proceed(): void;
};

export type Handler<R extends RouteDef> = (input: HandlerInput<R>) => Promise<z.input<R['response']>>;

/** One handler per contract route: a missing or mistyped one breaks the build. */
export type Handlers = { [K in AgentRouteName]: Handler<AgentRoutes[K]> };

type AnyHandler = { def: RouteDef; fn: (input: HandlerInput<RouteDef>) => Promise<unknown> };

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_JSON_BYTES)
      throw new AgentError('INVALID_INPUT', `body: larger than ${MAX_JSON_BYTES} bytes`, { field: 'body' });
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new AgentError('INVALID_INPUT', 'body: not valid JSON', { field: 'body' });
  }
}

function parseWith<S extends z.ZodType>(schema: S, value: unknown, part: string): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const field = zodField(r.error) ?? part;
  throw new AgentError('INVALID_INPUT', `${field}: ${r.error.issues[0]?.message ?? 'invalid'}`, { field });
}

/**
 * The request handler of the agent: token check first (nothing else runs
 * without a valid one), then the route's schemas, then its handler; every
 * error becomes `{ error: { code, message, field?, upid? } }`.
 */
export function createRequestHandler(auth: NodeAuth, handlers: Handlers, log: (line: string) => void) {
  const router = new Router<AnyHandler>();
  for (const name of Object.keys(agentRoutes) as AgentRouteName[]) {
    const def: RouteDef = agentRoutes[name];
    router.add(def.method, def.path, { def, fn: handlers[name] as AnyHandler['fn'] });
  }

  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      const verdict = await auth.verify(req.headers.authorization);
      if (verdict !== 'ok') {
        req.resume();
        const message =
          verdict === 'not-joined'
            ? 'this agent has not joined a cluster yet; start it with --join <console URL> --token <join token>'
            : verdict === 'missing'
              ? 'missing Authorization: Bearer <node token>'
              : 'wrong node token';
        send(res, 401, errorBody(new AgentError('UNAUTHENTICATED', message)).body);
        return;
      }
      const url = new URL(req.url ?? '/', 'https://agent');
      const match = router.match(req.method ?? 'GET', url.pathname);
      if (!match) throw new AgentError('NOT_FOUND', `no route ${req.method} ${url.pathname}`);
      if ('allowed' in match)
        throw new AgentError(
          'NOT_FOUND',
          `${req.method} is not allowed on ${url.pathname} (only ${match.allowed.join(', ')})`,
        );
      const { def, fn } = match.handler;
      const params = parseWith(def.params, match.params, 'path');
      const query = parseWith(def.query, Object.fromEntries(url.searchParams), 'query');
      const userHeader = req.headers[USER_HEADER];
      const user = userHeader === undefined ? 'root@pam' : parseWith(ZUserId, userHeader, USER_HEADER);
      let continued = false;
      const proceed = () => {
        if (continued) return;
        continued = true;
        if (/100-continue/i.test(req.headers.expect ?? '')) res.writeContinue();
      };
      let body: unknown;
      if (def.body === 'raw') {
        body = req;
      } else {
        proceed();
        if (def.body) body = parseWith(def.body, await readJson(req), 'body');
        else req.resume();
      }
      const result = await fn({ params, query, body: body as never, user, req, proceed });
      send(res, 200, def.response.parse(result));
    } catch (e) {
      const err = toAgentError(e);
      if (err.code === 'INTERNAL')
        log(`internal error on ${req.method} ${req.url}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      const { status, body } = errorBody(err);
      if (res.headersSent) res.destroy();
      else send(res, status, body);
    }
  };
}
