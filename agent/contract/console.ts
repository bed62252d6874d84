import { z } from 'zod';
import { ZVmidParam } from './common';

/** The two consoles a QEMU guest exposes: its VNC display and its first serial port. */
export const ZConsoleKind = z.enum(['vnc', 'serial']);
export type ConsoleKind = z.infer<typeof ZConsoleKind>;

export const ZConsoleParams = z.object({ vmid: ZVmidParam, kind: ZConsoleKind }).strict();

/**
 * The agent's websocket endpoint for a guest's console (GET with
 * `Upgrade: websocket`, `Authorization: Bearer <node token>`). Once open, every
 * binary message is a slice of the byte stream of QEMU's VNC (RFB) or serial
 * socket, in both directions; nothing else is framed. Refusals come before the
 * upgrade as the agent's usual JSON error answers: 401 without the node token,
 * 404 for an unknown guest, 409 (CONFLICT) for a guest that is not running,
 * 400 (INVALID_INPUT, field `kind`) for a guest without a serial port.
 */
export const agentConsoleRoute = {
  path: '/api/v1/guests/:vmid/console/:kind',
  params: ZConsoleParams,
} as const;

/**
 * Websocket close codes of a console connection (browser ↔ console ↔ agent).
 * The reason text says what happened and what to do; the UI decides from the
 * code whether reconnecting can help.
 */
export const CONSOLE_CLOSE = {
  /** No ticket, or one the console never issued. */
  TICKET_INVALID: 4001,
  TICKET_EXPIRED: 4002,
  TICKET_REUSED: 4003,
  /** The ticket was issued for another guest or another kind of console. */
  TICKET_WRONG_GUEST: 4004,
  /** The user no longer holds VM.Console on the guest (or is disabled). */
  FORBIDDEN: 4005,
  /** The guest is stopped (or unknown to its node). */
  GUEST_NOT_RUNNING: 4006,
  NO_SERIAL_PORT: 4007,
  /** The console could not reach the guest's node. */
  AGENT_UNREACHABLE: 4008,
  /** QEMU closed the console socket: the guest stopped or was restarted. */
  GUEST_CLOSED: 4009,
  /** The page's Origin is not this console. */
  BAD_ORIGIN: 4010,
} as const;
export type ConsoleCloseCode = (typeof CONSOLE_CLOSE)[keyof typeof CONSOLE_CLOSE];

/** Codes after which a fresh ticket and a new connection can succeed (the guest comes back). */
export const CONSOLE_RETRYABLE: ReadonlySet<number> = new Set([
  CONSOLE_CLOSE.TICKET_EXPIRED,
  CONSOLE_CLOSE.GUEST_NOT_RUNNING,
  CONSOLE_CLOSE.AGENT_UNREACHABLE,
  CONSOLE_CLOSE.GUEST_CLOSED,
  1001,
  1006,
  1011,
]);
