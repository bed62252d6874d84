/** A fetch Request's headers or Node's (names in lower case). */
export type HeaderBag = Record<string, string | string[] | undefined> | Headers;

/** One header's value (the first, if repeated), or null when absent. */
export function headerOf(h: HeaderBag, name: string): string | null {
  const v = h instanceof Headers ? h.get(name) : h[name];
  return (Array.isArray(v) ? v[0] : v) ?? null;
}

const header = (h: HeaderBag, name: string): string => headerOf(h, name) ?? '';

/**
 * The client's address and user agent. server/main.ts overwrites
 * x-forwarded-for with the socket's address on every request, so it can be trusted.
 */
export function clientOf(h: HeaderBag): { ip: string; userAgent: string } {
  return { ip: header(h, 'x-forwarded-for').split(',')[0]?.trim() ?? '', userAgent: header(h, 'user-agent') };
}
