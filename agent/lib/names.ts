/**
 * Validators for names that reach a path or a command-line argument on the
 * host. Everything from a caller passes through one of these first.
 */

/** A name or id refused by a validator; `field` names the input at fault. */
export class InvalidNameError extends Error {
  readonly field: string;

  constructor(field: string, message: string) {
    super(message);
    this.name = 'InvalidNameError';
    this.field = field;
  }
}

/** Proxmox's range for guest ids. */
export const VMID_MIN = 100;
export const VMID_MAX = 999_999_999;

export function isValidVmid(vmid: unknown): vmid is number {
  return typeof vmid === 'number' && Number.isInteger(vmid) && vmid >= VMID_MIN && vmid <= VMID_MAX;
}

export function assertVmid(vmid: unknown, field = 'vmid'): number {
  if (!isValidVmid(vmid)) {
    throw new InvalidNameError(
      field,
      `${field} must be an integer from ${VMID_MIN} to ${VMID_MAX}, got ${String(vmid)}`,
    );
  }
  return vmid;
}

const DNS_LABEL = /^[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?$/;

/**
 * Proxmox's `dns-name` format for guest names: dot-separated labels of
 * letters, digits and inner hyphens; at most 63 characters a label and 253 in all.
 */
export function isValidGuestName(name: unknown): name is string {
  if (typeof name !== 'string' || name.length === 0 || name.length > 253) return false;
  return name.split('.').every((label) => label.length <= 63 && DNS_LABEL.test(label));
}

export function assertGuestName(name: unknown, field = 'name'): string {
  if (!isValidGuestName(name)) {
    throw new InvalidNameError(
      field,
      `${field} must be a DNS name (letters, digits, inner hyphens, dot-separated labels), got ${JSON.stringify(name)}`,
    );
  }
  return name;
}

/**
 * A volume (file) name inside a storage: letters, digits, `.`, `_`, `+`, `-`;
 * starts with a letter or digit, so it can be neither an option (`-o`) nor a
 * hidden or parent entry; no `/`, no `..`, nothing a shell would interpret.
 */
const VOLUME_NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;

export function isValidVolumeName(name: unknown): name is string {
  return typeof name === 'string' && name.length <= 255 && VOLUME_NAME.test(name) && !name.includes('..');
}

export function assertVolumeName(name: unknown, field = 'volume'): string {
  if (!isValidVolumeName(name)) {
    throw new InvalidNameError(
      field,
      `${field} must be a plain file name (letters, digits, '.', '_', '+', '-'; no '/' or '..'), got ${JSON.stringify(name)}`,
    );
  }
  return name;
}
