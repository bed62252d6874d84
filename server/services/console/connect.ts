import type { WebSocket } from 'ws';
import { CONSOLE_CLOSE, type ConsoleKind } from '@/agent/contract/console';
import type { Actor } from '@/server/access/actor';
import { openConsoleSocket } from '@/server/agent-client';
import type { Db } from '@/server/db';
import { isAppError } from '@/server/errors';
import { loadPermissions } from '@/server/services/access/permissions';
import { audit } from '@/server/services/audit/audit';
import { clientFor } from '@/server/services/nodes/nodes';
import { claimTicket, type TicketClaim } from './tickets';

export type ConsoleRequest = { vmid: number; kind: ConsoleKind; ticket: string; ip: string };

export type ConsoleGrant = { ok: true; agent: WebSocket; claim: TicketClaim; openedAt: Date };
export type ConsoleDenial = { ok: false; code: number; reason: string };

/** Whether the user (and the token, for a token's ticket) may still act at all. */
async function stillLive(db: Db, actor: Actor, now: Date): Promise<boolean> {
  const live = (d: Date | null) => !d || d > now;
  const user = await db.user.findUnique({ where: { id: actor.userid }, select: { enabled: true, expiresAt: true } });
  if (!user || !user.enabled || !live(user.expiresAt)) return false;
  if (actor.kind !== 'token') return true;
  const token = await db.apiToken.findUnique({ where: { id: actor.tokenid }, select: { expiresAt: true } });
  return token !== null && live(token.expiresAt);
}

/** An agent's refusal as the close code the browser gets. */
function closeFor(e: unknown): { code: number; reason: string } {
  const message = e instanceof Error ? e.message : String(e);
  if (isAppError(e)) {
    if (e.code === 'CONFLICT' || e.code === 'NOT_FOUND')
      return { code: CONSOLE_CLOSE.GUEST_NOT_RUNNING, reason: message };
    if (e.code === 'INVALID_INPUT' && e.field === 'kind')
      return { code: CONSOLE_CLOSE.NO_SERIAL_PORT, reason: message };
  }
  return { code: CONSOLE_CLOSE.AGENT_UNREACHABLE, reason: message };
}

/** Websocket close reasons are at most 123 bytes. */
function clip(reason: string): string {
  let r = reason;
  while (Buffer.byteLength(r) > 123) r = `${r.slice(0, r.length - 2)}…`;
  return r;
}

/**
 * Decides a console connection: the ticket (single use, unexpired, for this
 * guest and kind), then the user again (still enabled, still VM.Console on the
 * guest), then the guest must not be known stopped, then the guest's node
 * opens its websocket to QEMU, which it does only for a guest that runs. Every outcome for a known user is audited.
 */
export async function openConsole(
  db: Db,
  req: ConsoleRequest,
  now = new Date(),
): Promise<ConsoleGrant | ConsoleDenial> {
  const claim = await claimTicket(db, req.ticket, { vmid: req.vmid, kind: req.kind }, now);
  const target = String(req.vmid);
  const deny = async (code: number, reason: string, actor?: string): Promise<ConsoleDenial> => {
    if (actor)
      await audit(db, {
        actor,
        ip: req.ip,
        action: 'vm.console.open',
        target,
        result: { error: reason },
        detail: { kind: req.kind },
      });
    return { ok: false, code, reason: clip(reason) };
  };
  if (!claim.ok) return deny(claim.code, claim.reason, claim.actor);
  const path = `/vms/${req.vmid}`;
  if (!(await stillLive(db, claim.actor, now)) || !(await loadPermissions(db, claim.actor)).has('VM.Console', path)) {
    return deny(
      CONSOLE_CLOSE.FORBIDDEN,
      `permission check failed: ${claim.actorName} lacks VM.Console on ${path}`,
      claim.actorName,
    );
  }
  // The node's last report: a guest known to be stopped is refused without asking its node.
  const guest = await db.guest.findUnique({ where: { vmid: req.vmid }, select: { nodeName: true, status: true } });
  if (!guest) return deny(CONSOLE_CLOSE.GUEST_NOT_RUNNING, `VM ${req.vmid} no longer exists`, claim.actorName);
  if (guest.nodeName !== claim.node)
    return deny(
      CONSOLE_CLOSE.TICKET_WRONG_GUEST,
      `VM ${req.vmid} moved to node ${guest.nodeName}: reopen the console`,
      claim.actorName,
    );
  if (guest.status === 'stopped')
    return deny(
      CONSOLE_CLOSE.GUEST_NOT_RUNNING,
      `VM ${req.vmid} is not running: start it to use its console`,
      claim.actorName,
    );
  let agent: WebSocket;
  try {
    const { node } = await clientFor(db, claim.node, claim.actorName);
    agent = await openConsoleSocket(node, req.vmid, req.kind, { user: claim.actorName });
  } catch (e) {
    const { code, reason } = closeFor(e);
    return deny(code, reason, claim.actorName);
  }
  await audit(db, {
    actor: claim.actorName,
    ip: req.ip,
    action: 'vm.console.open',
    target,
    result: 'ok',
    detail: { kind: req.kind, node: claim.node },
  });
  return { ok: true, agent, claim, openedAt: now };
}

/** Records the end of a console session, with how long it lasted. */
export async function consoleClosed(
  db: Db,
  grant: ConsoleGrant,
  ip: string,
  info: { code: number; bytesToGuest: number; bytesFromGuest: number },
): Promise<void> {
  await audit(db, {
    actor: grant.claim.actorName,
    ip,
    action: 'vm.console.close',
    target: String(grant.claim.vmid),
    result: 'ok',
    detail: {
      kind: grant.claim.kind,
      node: grant.claim.node,
      durationSeconds: Math.round((Date.now() - grant.openedAt.getTime()) / 100) / 10,
      closeCode: info.code,
      bytesToGuest: info.bytesToGuest,
      bytesFromGuest: info.bytesFromGuest,
    },
  });
}
