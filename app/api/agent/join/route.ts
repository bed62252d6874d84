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
    return Response.json({ error: { code: 'INVALID_INPUT', message: 'the body must be JSON' } }, { status: 400 });
  }
  try {
    return Response.json(await joinNode(await getDb(), body, clientOf(req.headers)));
  } catch (e) {
    // The agent's joinConsole reads the agent contract's error body (ZAgentErrorBody) to show the reason.
    if (isAppError(e)) {
      return Response.json(
        { error: { code: e.code, message: e.message, field: e.field } },
        { status: httpStatusOf(e.code) },
      );
    }
    console.error('node join failed:', e);
    return Response.json(
      { error: { code: 'INTERNAL', message: 'internal error; see the console log' } },
      { status: 500 },
    );
  }
}
