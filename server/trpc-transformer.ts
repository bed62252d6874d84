import superjson from 'superjson';
import type { SuperJSONResult } from 'superjson';

/** superjson's path syntax: keys joined by dots, with dots and backslashes in a key escaped. */
const escapeKey = (key: string): string => key.replace(/\\/g, '\\\\').replace(/\./g, '\\.');

/** What a first, path-free look found: only JSON, JSON and Dates, or something only superjson carries. */
const PLAIN = 0;
const DATES = 1;
const OTHER = 2;

function scan(value: unknown): number {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return PLAIN;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0) ? PLAIN : OTHER;
    case 'object':
      break;
    default:
      return OTHER;
  }
  if (value === null) return PLAIN;
  let found = PLAIN;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const f = scan(value[i]);
      if (f === OTHER) return OTHER;
      found |= f;
    }
    return found;
  }
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? OTHER : DATES;
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return OTHER;
  for (const key in value) {
    const v = (value as Record<string, unknown>)[key];
    if (v === undefined) continue; // JSON omits it; the client sees the key absent
    const f = scan(v);
    if (f === OTHER) return OTHER;
    found |= f;
  }
  return found;
}

/** The superjson paths of the Dates in a value that {@link scan} found plain but for Dates. */
function datePaths(value: unknown, path: string[], out: string[][]): void {
  if (typeof value !== 'object' || value === null) return;
  if (value instanceof Date) {
    out.push([...path]);
    return;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      if (typeof value[i] !== 'object' || value[i] === null) continue;
      path.push(String(i));
      datePaths(value[i], path, out);
      path.pop();
    }
    return;
  }
  for (const key in value) {
    const v = (value as Record<string, unknown>)[key];
    if (typeof v !== 'object' || v === null) continue;
    path.push(escapeKey(key));
    datePaths(v, path, out);
    path.pop();
  }
}

/**
 * superjson's wire format, produced without superjson's generic walk for
 * what the procedures return: plain objects, arrays, primitives and Dates
 * (JSON.stringify writes a Date as its ISO string, as superjson does, and
 * the paths of the Dates go in `meta`). Anything else goes through superjson
 * itself. Large answers (a day graph's 1,440 points, a node's guests) cost
 * several times less to serialize; the browser's superjson reads both alike.
 */
export function serializeOutput(value: unknown): SuperJSONResult {
  const found = scan(value);
  if (found === OTHER) return superjson.serialize(value);
  if (found === PLAIN) return { json: value as SuperJSONResult['json'] };
  const dates: string[][] = [];
  datePaths(value, [], dates);
  const values =
    dates.length === 1 && dates[0]!.length === 0
      ? (['Date'] as const)
      : Object.fromEntries(dates.map((p) => [p.join('.'), ['Date'] as const]));
  return { json: value as SuperJSONResult['json'], meta: { values, v: 1 } as SuperJSONResult['meta'] };
}

/** tRPC's transformer: superjson for inputs, the fast path above for outputs. */
export const transformer = {
  input: superjson,
  output: { serialize: serializeOutput, deserialize: superjson.deserialize },
};
