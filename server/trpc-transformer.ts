import superjson from 'superjson';
import type { SuperJSONResult } from 'superjson';

/** superjson's path syntax: keys joined by dots, with dots and backslashes in a key escaped. */
const escapeKey = (key: string): string => key.replace(/\\/g, '\\\\').replace(/\./g, '\\.');

/**
 * Walks `value` as JSON would see it, collecting the paths of its Dates.
 * False as soon as something only superjson can carry turns up (Map, Set,
 * BigInt, a class instance, an undefined array element, NaN, -0 ...).
 */
function walk(value: unknown, path: string[], dates: string[][]): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0);
    case 'object':
      break;
    default:
      return false;
  }
  if (value === null) return true;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      path.push(String(i));
      const ok = walk(value[i], path, dates);
      path.pop();
      if (!ok) return false;
    }
    return true;
  }
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) return false;
    dates.push([...path]);
    return true;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return false;
  for (const key in value) {
    const v = (value as Record<string, unknown>)[key];
    if (v === undefined) continue; // JSON omits it; the client sees the key absent
    path.push(escapeKey(key));
    const ok = walk(v, path, dates);
    path.pop();
    if (!ok) return false;
  }
  return true;
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
  const dates: string[][] = [];
  if (!walk(value, [], dates)) return superjson.serialize(value);
  if (dates.length === 0) return { json: value as SuperJSONResult['json'] };
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
