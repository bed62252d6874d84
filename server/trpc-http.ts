import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { createHttpContext } from '@/server/context';
import { appRouter } from '@/server/routers/_app';

export const TRPC_PREFIX = '/api/trpc';

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

const trpc = createHTTPHandler({
  basePath: `${TRPC_PREFIX}/`,
  router: appRouter,
  createContext: ({ req }) => createHttpContext(req.headers),
  onError({ error, path }) {
    if (error.code === 'INTERNAL_SERVER_ERROR') console.error(`tRPC ${path ?? '?'} failed:`, error.cause ?? error);
  },
});

/**
 * Serves /api/trpc/* on the console's own server with tRPC's Node adapter:
 * the calls the UI makes most go straight to the router, without Next's
 * routing around them.
 */
export function handleTrpc(req: IncomingMessage, res: ServerResponse): void {
  if (!sameOrigin(req)) {
    res.writeHead(403, { 'content-type': 'text/plain' }).end('cross-origin request refused');
    return;
  }
  trpc(req, res);
}
