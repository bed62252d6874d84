import { clientOf } from '@/server/access/client';
import { getDb } from '@/server/db';
import { httpStatusOf, isAppError } from '@/server/errors';
import { joinNode } from '@/server/services/nodes/join';

/** Called by an agent started with `--join`: the one-time join token is the credential. */
export async function POST(req: Request): Promise<Response> {
  let body: unknown;
  try {
    body = await req.json();
  } catch {
    return Response.json({ error: 'the body must be JSON' }, { status: 400 });
  }
  try {
    return Response.json(await joinNode(await getDb(), body, clientOf(req.headers)));
  } catch (e) {
    if (isAppError(e)) return Response.json({ error: e.message, field: e.field ?? null }, { status: httpStatusOf(e.code) });
    console.error('node join failed:', e);
    return Response.json({ error: 'internal error; see the console log' }, { status: 500 });
  }
}
