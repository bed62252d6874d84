import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import { ApiError } from './errors';

/** Integers arrive as strings (urlencoded, query) or numbers (JSON). */
export const zInt = (min = -Infinity, max = Infinity) =>
  z
    .union([
      z.number(),
      z
        .string()
        .regex(/^-?\d+$/, "type check ('integer') failed")
        .transform(Number),
    ])
    .pipe(
      z
        .number()
        .int("type check ('integer') failed")
        .min(min, `value must have a minimum value of ${min}`)
        .max(max, `value must have a maximum value of ${max}`),
    );

/** Proxmox booleans: 0/1, yes/no, on/off, true/false. */
export const zBool = z.union([z.boolean(), z.number(), z.string()]).transform((v, ctx) => {
  const t = String(v).toLowerCase();
  if (['1', 'yes', 'on', 'true'].includes(t)) return true;
  if (['0', 'no', 'off', 'false'].includes(t)) return false;
  ctx.addIssue({ code: 'custom', message: `type check ('boolean') failed - got '${String(v)}'` });
  return z.NEVER;
});

const MAX_BODY = 1024 * 1024;

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new ApiError(413, 'request body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function fromSearch(search: URLSearchParams, into: Record<string, unknown>): void {
  for (const [k, v] of search) {
    // Repeated keys (Proxmox's arrays, e.g. delete=a&delete=b) join with commas.
    into[k] = k in into ? `${String(into[k])},${v}` : v;
  }
}

/**
 * The parameters of a request: the query for GET/DELETE, the body for POST/PUT
 * (urlencoded, also when no Content-Type is sent, or JSON).
 */
export async function requestParams(
  req: IncomingMessage,
  url: URL,
  skipBody: boolean,
): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  fromSearch(url.searchParams, out);
  if (req.method !== 'POST' && req.method !== 'PUT') return out;
  if (skipBody) return out;
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  const body = await readBody(req);
  if (body.trim() === '') return out;
  if (type === 'application/json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      throw new ApiError(400, 'Parameter verification failed.', { parameters: 'the body is not valid JSON' });
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
      throw new ApiError(400, 'Parameter verification failed.', { parameters: 'the body must be a JSON object' });
    Object.assign(out, parsed);
  } else if (type === '' || type === 'application/x-www-form-urlencoded') {
    fromSearch(new URLSearchParams(body), out);
  } else {
    throw new ApiError(
      415,
      `unsupported Content-Type '${type}': use application/x-www-form-urlencoded or application/json`,
    );
  }
  return out;
}
