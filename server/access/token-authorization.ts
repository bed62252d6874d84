/**
 * Token credentials in the forms monitoring tools send them: Proxmox's
 * `PVEAPIToken=user@realm!id=secret`, and `<type> <credentials>` as Prometheus's
 * `authorization: { type, credentials }` writes it (`Bearer user@realm!id=secret`,
 * `PVEAPIToken user@realm!id=secret`). Returns the Proxmox form, or the header
 * unchanged (the token parser then refuses it).
 */
export function normalizeTokenAuthorization(header: string): string {
  const m = /^(?:Bearer|PVEAPIToken)\s+(\S+)$/i.exec(header.trim());
  return m ? `PVEAPIToken=${m[1]}` : header;
}
