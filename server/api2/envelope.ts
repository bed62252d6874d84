import type { ServerResponse } from 'node:http';
import type { ApiError } from './errors';

export const JSON_TYPE = 'application/json;charset=UTF-8';

/** The status line's text: the first line of the message, as Proxmox's HTTP server writes it. */
export function statusText(message: string): string {
  const first = message.split('\n', 1)[0]!.trim();
  // A status line may only carry visible ASCII and spaces.
  return first.replace(/[^\x20-\x7e]/g, '?').slice(0, 500) || 'error';
}

/** The body of an answer: `{"data": ...}` on success, with `errors` only on parameter errors. */
export function successBody(data: unknown): string {
  return JSON.stringify({ data: data === undefined ? null : data });
}

export function errorBody(e: ApiError): string {
  return JSON.stringify(e.errors ? { data: null, errors: e.errors } : { data: null });
}

function send(res: ServerResponse, status: number, message: string, body: string, headers: Record<string, string>) {
  res.statusCode = status;
  res.statusMessage = statusText(message);
  res.setHeader('Content-Type', JSON_TYPE);
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.setHeader('Cache-Control', 'max-age=0');
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  res.end(body);
}

export function sendData(res: ServerResponse, data: unknown, headers: Record<string, string> = {}): void {
  send(res, 200, 'OK', successBody(data), headers);
}

export function sendError(res: ServerResponse, e: ApiError): void {
  send(res, e.status, e.message, errorBody(e), {});
}
