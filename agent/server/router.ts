import type { HttpMethod } from '../contract/routes';

type Compiled<H> = { method: HttpMethod; parts: string[]; handler: H };

/** A tiny path router: `/a/:b/c` patterns, first match wins, params URL-decoded. */
export class Router<H> {
  private readonly routes: Compiled<H>[] = [];

  add(method: HttpMethod, pattern: string, handler: H): void {
    this.routes.push({ method, parts: pattern.split('/').filter(Boolean), handler });
  }

  /** `null` when no pattern matches; `{ allowed }` when the path matches but not the method. */
  match(
    method: string,
    pathname: string,
  ): { handler: H; params: Record<string, string> } | { allowed: HttpMethod[] } | null {
    const segments = pathname.split('/').filter(Boolean);
    const allowed: HttpMethod[] = [];
    for (const route of this.routes) {
      const params = matchParts(route.parts, segments);
      if (!params) continue;
      if (route.method === method) return { handler: route.handler, params };
      allowed.push(route.method);
    }
    return allowed.length ? { allowed } : null;
  }
}

function matchParts(parts: string[], segments: string[]): Record<string, string> | null {
  if (parts.length !== segments.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    const seg = segments[i]!;
    if (part.startsWith(':')) {
      try {
        params[part.slice(1)] = decodeURIComponent(seg);
      } catch {
        return null;
      }
    } else if (part !== seg) {
      return null;
    }
  }
  return params;
}
