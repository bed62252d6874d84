import { randomBytes } from 'node:crypto';
import type { ConsoleKind } from '@/agent/contract/console';
import { CONSOLE_CLOSE } from '@/agent/contract/console';
import { actorName, type Actor } from '@/server/access/actor';
import { sha256Hex } from '@/server/access/crypto';
import type { Db } from '@/server/db';
import { AppError } from '@/server/errors';

/** A ticket is good for this long after it was issued; the browser connects at once. */
export const TICKET_TTL_MS = 30_000;
/** Used and expired tickets are kept this long (a reuse is then named as such), then removed. */
const KEEP_MS = 3_600_000;

export type IssuedTicket = {
  /** The secret, shown once; only its SHA-256 is stored. */
  ticket: string;
  expiresAt: Date;
  /** Where the browser opens the websocket: `/api/console/<kind>/<vmid>`, with `?ticket=`. */
  path: string;
};

/** The websocket path of a console (server/console/upgrade.ts serves it). */
export function consolePath(kind: ConsoleKind, vmid: number): string {
  return `/api/console/${kind}/${vmid}`;
}

/**
 * Issues a single-use ticket for one console of one guest, bound to the actor,
 * the guest and its node. The caller has been checked for VM.Console on the
 * guest; the check is made again when the ticket is used.
 */
export async function issueTicket(
  db: Db,
  actor: Actor,
  input: { vmid: number; kind: ConsoleKind },
  options: { ttlMs?: number; now?: Date } = {},
): Promise<IssuedTicket> {
  const now = options.now ?? new Date();
  const guest = await db.guest.findUnique({
    where: { vmid: input.vmid },
    select: { nodeName: true, config: true },
  });
  if (!guest) throw new AppError('NOT_FOUND', `VM ${input.vmid} does not exist`);
  if (input.kind === 'serial' && (guest.config as { serial?: boolean }).serial === false) {
    throw new AppError('INVALID_INPUT', `VM ${input.vmid} has no serial port: add one in its Hardware tab`, {
      field: 'kind',
    });
  }
  const ticket = randomBytes(32).toString('base64url');
  const expiresAt = new Date(now.getTime() + (options.ttlMs ?? TICKET_TTL_MS));
  await db.consoleTicket.create({
    data: {
      hash: sha256Hex(ticket),
      userId: actor.userid,
      tokenId: actor.kind === 'token' ? actor.tokenid : null,
      privsep: actor.kind === 'token' ? actor.privsep : false,
      vmid: input.vmid,
      node: guest.nodeName,
      kind: input.kind,
      expiresAt,
    },
  });
  // Housekeeping on the way: old rows go, whichever console replica issued them.
  await db.consoleTicket.deleteMany({ where: { expiresAt: { lt: new Date(now.getTime() - KEEP_MS) } } });
  return { ticket, expiresAt, path: consolePath(input.kind, input.vmid) };
}

export type TicketClaim = { ok: true; actor: Actor; actorName: string; vmid: number; node: string; kind: ConsoleKind };

/** `actor` names the ticket's owner when the ticket was a real one. */
export type TicketRefusal = { ok: false; code: number; reason: string; actor?: string };

type Row = {
  userId: string;
  tokenId: string | null;
  privsep: boolean;
  vmid: number;
  node: string;
  kind: string;
  expiresAt: Date;
  usedAt: Date | null;
};

/**
 * Uses a ticket for `kind` on `vmid`: marks it used in one conditional update
 * (only a row whose `usedAt` is still null is claimed), so two connections
 * racing with one ticket, on one console or two, cannot both win. A ticket
 * presented for the wrong guest is spent all the same.
 */
export async function claimTicket(
  db: Db,
  secret: string,
  want: { vmid: number; kind: ConsoleKind },
  now = new Date(),
): Promise<TicketClaim | TicketRefusal> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(secret))
    return {
      ok: false,
      code: CONSOLE_CLOSE.TICKET_INVALID,
      reason: 'no console ticket, or not one this console issued',
    };
  const hash = sha256Hex(secret);
  const claimed = await db.$queryRaw<Row[]>`
    UPDATE "ConsoleTicket" SET "usedAt" = ${now}
    WHERE "hash" = ${hash} AND "usedAt" IS NULL
    RETURNING "userId", "tokenId", "privsep", "vmid", "node", "kind", "expiresAt", "usedAt"`;
  const row = claimed[0];
  if (!row) {
    const seen = await db.consoleTicket.findUnique({ where: { hash }, select: { userId: true, tokenId: true } });
    if (!seen)
      return { ok: false, code: CONSOLE_CLOSE.TICKET_INVALID, reason: 'unknown console ticket: reopen the console' };
    return {
      ok: false,
      code: CONSOLE_CLOSE.TICKET_REUSED,
      reason: 'this console ticket was already used: each connection needs a new one',
      actor: seen.tokenId ?? seen.userId,
    };
  }
  const name = row.tokenId ?? row.userId;
  if (row.expiresAt <= now)
    return {
      ok: false,
      code: CONSOLE_CLOSE.TICKET_EXPIRED,
      reason: 'the console ticket expired: reopen the console',
      actor: name,
    };
  if (row.vmid !== want.vmid || row.kind !== want.kind)
    return {
      ok: false,
      code: CONSOLE_CLOSE.TICKET_WRONG_GUEST,
      reason: `the ticket is for the ${row.kind} console of VM ${row.vmid}, not the ${want.kind} console of VM ${want.vmid}`,
      actor: name,
    };
  const actor: Actor = row.tokenId
    ? { kind: 'token', userid: row.userId, tokenid: row.tokenId, privsep: row.privsep }
    : { kind: 'session', userid: row.userId, sessionId: '' };
  return { ok: true, actor, actorName: actorName(actor), vmid: row.vmid, node: row.node, kind: want.kind };
}
