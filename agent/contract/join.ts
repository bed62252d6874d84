import { z } from 'zod';
import { ZNodeName } from './common';

/** SHA-256 certificate fingerprint as Node prints it: `AB:CD:...` (32 pairs). */
export const ZFingerprint = z
  .string()
  .regex(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/i, 'must be a SHA-256 fingerprint, AB:CD:... (32 hex pairs)')
  .transform((s) => s.toUpperCase());

/** The path on the console that agents call to join. */
export const CONSOLE_JOIN_PATH = '/api/agent/join';

/**
 * `POST <console>/api/agent/join`, sent by an agent started with
 * `--join URL --token T --name NODE`: the one-time join token proves the
 * request; the console pins `agentFingerprint` and calls the agent at `agentUrl`.
 */
export const ZJoinRequest = z.object({
  token: z.string().min(16).max(256),
  name: ZNodeName,
  agentUrl: z
    .string()
    .url()
    .refine((u) => u.startsWith('https://'), 'must be an https:// URL'),
  agentFingerprint: ZFingerprint,
});
export type JoinRequest = z.input<typeof ZJoinRequest>;

/** The console's answer: the node token (32 random bytes, base64url) for every later request. */
export const ZJoinResponse = z.object({
  nodeToken: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'must be 32 bytes in base64url'),
  /** The console's name for the node (the one asked for). */
  name: ZNodeName,
});
export type JoinResponse = z.infer<typeof ZJoinResponse>;
