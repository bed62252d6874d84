import { pinnedRequest, TransportError } from '../../server/agent-client/pinned-https';
import { CONSOLE_JOIN_PATH, ZJoinResponse, type JoinRequest } from '../contract/join';
import { ZAgentErrorBody } from '../contract/errors';
import { storeNodeToken } from './auth';
import { storeNodeName } from './agent';

export type JoinOptions = {
  /** The console, `https://console:8006`. */
  consoleUrl: string;
  /** The one-time join token shown by the console. */
  joinToken: string;
  /** The console certificate's SHA-256 fingerprint; without it the console needs a CA-signed certificate. */
  consoleFingerprint?: string;
  nodeName: string;
  /** Where the console reaches this agent. */
  agentUrl: string;
  agentFingerprint: string;
  dataDir: string;
};

/**
 * Joins a cluster: sends the join token to the console, stores the hash of
 * the node token it answers with (from then on every request needs it) and
 * the node name. Throws with the console's own message on refusal.
 */
export async function joinConsole(o: JoinOptions): Promise<void> {
  const payload: JoinRequest = {
    token: o.joinToken,
    name: o.nodeName,
    agentUrl: o.agentUrl,
    agentFingerprint: o.agentFingerprint,
  };
  const body = Buffer.from(JSON.stringify(payload));
  let res;
  try {
    res = await pinnedRequest({
      url: new URL(CONSOLE_JOIN_PATH, o.consoleUrl).toString(),
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': body.length },
      body,
      fingerprint: o.consoleFingerprint,
      timeoutMs: 30_000,
    });
  } catch (e) {
    const why = e instanceof TransportError ? e.message : String(e);
    const hint =
      e instanceof TransportError && e.kind === 'tls'
        ? '; pass --fingerprint <console certificate SHA-256> for a self-signed console'
        : '';
    throw new Error(`could not reach the console at ${o.consoleUrl} (${why})${hint}`, { cause: e });
  }
  let json: unknown;
  try {
    json = JSON.parse(res.body.toString('utf8'));
  } catch {
    json = null;
  }
  if (res.status !== 200) {
    const err = ZAgentErrorBody.safeParse(json);
    throw new Error(`the console refused to join: ${err.success ? err.data.error.message : `HTTP ${res.status}`}`);
  }
  const answer = ZJoinResponse.parse(json);
  await storeNodeToken(o.dataDir, answer.nodeToken);
  await storeNodeName(o.dataDir, answer.name);
}
