import type { IncomingMessage } from 'node:http';
import type { z } from 'zod';
import type { Actor } from '@/server/access/actor';
import type { Check } from '@/server/access/check';
import type { Db } from '@/server/db';
import type { Permissions } from '@/server/services/access/permissions';

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/**
 * Who may call an endpoint, as Proxmox's API viewer documents it:
 * - `public`: anyone (only the ticket login and the realm list, as in Proxmox);
 * - `authenticated`: any caller; the answer is filtered to what they may see
 *   (Proxmox's "The result is filtered by the user's permissions"), or the
 *   service checks the target itself (`why` says which);
 * - `check`: the composite check of server/access/check.ts, with `{param}`
 *   placeholders filled from the request's parameters.
 */
export type EndpointAccess =
  { kind: 'public'; why: string } | { kind: 'authenticated'; why: string } | { kind: 'check'; check: Check };

export type Ctx = {
  db: Db;
  actor: Actor;
  perms: Permissions;
  ip: string;
  userAgent: string;
  /** The raw request, for the upload endpoint's multipart body. */
  req: IncomingMessage;
};

export type PublicCtx = Omit<Ctx, 'actor' | 'perms'> & { actor: Actor | null };

export type Endpoint<S extends z.ZodType = z.ZodType> = {
  method: Method;
  /** Proxmox's path below /api2/json, with `{param}` segments. */
  path: string;
  access: EndpointAccess;
  /** Path, query and body parameters together. */
  params: S;
  /** The upload endpoint reads its own (multipart) body. */
  rawBody?: boolean;
  handler: (ctx: Ctx, params: z.output<S>) => Promise<unknown>;
  /** For public endpoints: the handler gets a context whose actor may be null. */
  publicHandler?: (ctx: PublicCtx, params: z.output<S>) => Promise<unknown>;
};

export function endpoint<S extends z.ZodType>(e: Endpoint<S>): Endpoint {
  return e as unknown as Endpoint;
}
