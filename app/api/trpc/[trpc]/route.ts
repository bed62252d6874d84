import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { createHttpContext } from '@/server/context';
import { appRouter } from '@/server/routers/_app';

function sameOrigin(req: Request): boolean {
  // Browsers send Origin on cross-site POSTs; a mutation from another site is refused.
  const origin = req.headers.get('origin');
  if (!origin || req.method === 'GET') return true;
  try {
    return new URL(origin).host === req.headers.get('host');
  } catch {
    return false;
  }
}

async function handler(req: Request): Promise<Response> {
  if (!sameOrigin(req)) return new Response('cross-origin request refused', { status: 403 });
  return fetchRequestHandler({
    endpoint: '/api/trpc',
    req,
    router: appRouter,
    createContext: () => createHttpContext(req),
    onError({ error, path }) {
      if (error.code === 'INTERNAL_SERVER_ERROR') console.error(`tRPC ${path ?? '?'} failed:`, error.cause ?? error);
    },
  });
}

export { handler as GET, handler as POST };
