import type { IncomingMessage, ServerResponse } from 'node:http';
import { TRPCError } from '@trpc/server';
import {
  getErrorShape,
  getHTTPStatusCode,
  getProcedureAtPath,
  getTRPCErrorFromUnknown,
  transformTRPCResponse,
  type AnyProcedure,
  type TRPCResponse,
} from '@trpc/server/unstable-core-do-not-import';
import { createHttpContext } from '@/server/context';
import { appRouter } from '@/server/routers/_app';
import type { Context } from '@/server/trpc';

export const TRPC_PREFIX = '/api/trpc';
const MAX_BODY = 8 << 20;
const config = appRouter._def._config;

/** Whether a request is a tRPC call (server/main.ts dispatches on it, before Next). */
export function isTrpcRequest(url: string | undefined): boolean {
  return !!url && (url.startsWith(`${TRPC_PREFIX}/`) || url.startsWith(`${TRPC_PREFIX}?`));
}

/** Browsers send Origin on cross-site POSTs; a mutation from another site is refused. */
function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (!origin || req.method === 'GET') return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

/** The body as text; past the limit the rest is read and dropped (so the refusal can be answered), then cut off. */
function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
      else if (size > 8 * MAX_BODY) req.destroy();
    });
    req.on('end', () =>
      size > MAX_BODY
        ? reject(new TRPCError({ code: 'PAYLOAD_TOO_LARGE', message: `request body over ${MAX_BODY >> 20} MiB` }))
        : resolve(Buffer.concat(chunks).toString('utf8')),
    );
    req.on('error', reject);
  });
}

/**
 * The calls' raw inputs, by batch index, as tRPC's JSON content handler reads
 * them: `?input=` on GET, the body on POST; one value, or an object keyed by
 * index for `?batch=1`. A bad input fails only the calls that read theirs,
 * as with tRPC's own adapters.
 */
async function rawInputs(req: IncomingMessage, url: URL, batch: boolean): Promise<(index: number) => unknown> {
  let text: string | null;
  try {
    text = req.method === 'GET' ? url.searchParams.get('input') : await readBody(req);
  } catch (e) {
    return () => {
      throw e;
    };
  }
  if (!text) return () => undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    return () => {
      throw new TRPCError({ code: 'PARSE_ERROR', message: 'the input is not JSON', cause });
    };
  }
  if (!batch) return (i) => (i === 0 ? config.transformer.input.deserialize(parsed) : undefined);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return () => {
      throw new TRPCError({ code: 'BAD_REQUEST', message: '"input" needs to be an object when doing a batch call' });
    };
  }
  return (i) => {
    const v = (parsed as Record<string, unknown>)[i];
    return v === undefined ? undefined : config.transformer.input.deserialize(v);
  };
}

/**
 * Large string results (the resource tree) encoded once: the same text is
 * sent to every poller until it changes, and turning 300 KiB of JSON into
 * bytes costs milliseconds each time on these machines.
 */
const encoded = new Map<string, Buffer>();
const BIG = 64 << 10;
const MAX_ENCODED = 32;

function encodeItem(item: TRPCResponse): Buffer {
  const data = 'result' in item ? (item.result as { data?: unknown }).data : undefined;
  const big = typeof data === 'string' && data.length >= BIG;
  const hit = big ? encoded.get(data) : undefined;
  if (hit) return hit;
  const buf = Buffer.from(JSON.stringify(transformTRPCResponse(config, item)));
  if (big) {
    if (encoded.size >= MAX_ENCODED) encoded.delete(encoded.keys().next().value!);
    encoded.set(data, buf);
  }
  return buf;
}

function send(res: ServerResponse, status: number, parts: Buffer[]): void {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json');
  res.setHeader('vary', 'trpc-accept, accept');
  res.setHeader(
    'content-length',
    parts.reduce((n, p) => n + p.length, 0),
  );
  res.cork();
  for (const p of parts) res.write(p);
  res.end();
}

const ACCEPTED: Record<string, string> = { query: 'GET', mutation: 'POST' };

async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://console');
  const batch = url.searchParams.get('batch') === '1';
  let path: string;
  try {
    path = decodeURIComponent(url.pathname.slice(TRPC_PREFIX.length + 1));
  } catch {
    path = '';
  }
  const paths = batch ? path.split(',') : [path];
  const inputAt = await rawInputs(req, url, batch);
  let ctx: Context | undefined;
  let failure: TRPCError | undefined;
  try {
    ctx = await createHttpContext(req.headers);
  } catch (cause) {
    failure = getTRPCErrorFromUnknown(cause);
  }

  const results = await Promise.all(
    paths.map(async (p, index): Promise<TRPCResponse> => {
      const proc = (await getProcedureAtPath(appRouter, p)) as AnyProcedure | null;
      const type = proc?._def.type ?? 'unknown';
      try {
        if (failure) throw failure;
        if (!proc) throw new TRPCError({ code: 'NOT_FOUND', message: `No procedure found on path "${p}"` });
        if (ACCEPTED[type] !== req.method) {
          throw new TRPCError({
            code: 'METHOD_NOT_SUPPORTED',
            message: `Unsupported ${req.method}-request to ${type} procedure at path "${p}"`,
          });
        }
        const data: unknown = await proc({
          path: p,
          getRawInput: async () => inputAt(index),
          ctx,
          type: proc._def.type,
          signal: undefined,
          batchIndex: index,
        });
        return { result: { data } };
      } catch (cause) {
        const error = getTRPCErrorFromUnknown(cause);
        if (error.code === 'INTERNAL_SERVER_ERROR') console.error(`tRPC ${p || '?'} failed:`, error.cause ?? error);
        let input: unknown;
        try {
          input = inputAt(index);
        } catch {
          input = undefined;
        }
        return { error: getErrorShape({ config, error, type, path: p, input, ctx }) };
      }
    }),
  );
  const status = getHTTPStatusCode(batch ? results : results[0]!);
  const items = results.map(encodeItem);
  send(
    res,
    status,
    batch ? [Buffer.from('['), ...items.flatMap((b, i) => (i ? [Buffer.from(','), b] : [b])), Buffer.from(']')] : items,
  );
}

/**
 * Serves /api/trpc/* on the console's own server: tRPC's HTTP protocol
 * (single and batched calls, GET for queries, POST for mutations, the
 * router's error shapes and status codes) written straight to Node's
 * response. tRPC's own adapters go through fetch's Request and Response and
 * web streams, which cost more than most of the calls they carry.
 */
export function handleTrpc(req: IncomingMessage, res: ServerResponse): void {
  if (!sameOrigin(req)) {
    res.writeHead(403, { 'content-type': 'text/plain' }).end('cross-origin request refused');
    return;
  }
  if (req.method === 'HEAD') {
    res.writeHead(204).end();
    return;
  }
  serve(req, res).catch((e: unknown) => {
    console.error('tRPC request failed:', e);
    if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error');
  });
}
