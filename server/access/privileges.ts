/**
 * Privilege names, exactly as Proxmox VE 8 spells them (pve-access-control,
 * `src/PVE/AccessControl.pm`, `$privgroups` plus the lone
 * `Permissions.Modify` in `$valid_privs`). Keeping Proxmox's names lets the
 * Proxmox-compatible API and existing tooling map onto ours unchanged.
 *
 * Deliberately the 8.x set: PVE 9 drops `VM.Monitor` in favour of
 * `VM.GuestAgent.*` and adds `VM.Replicate`/`Sys.AccessNetwork`; follow that
 * change here, in roles.ts and in the tests together, never piecemeal.
 */
export const PRIVILEGES = [
  'VM.Allocate',
  'VM.Audit',
  'VM.Backup',
  'VM.Clone',
  'VM.Config.CDROM',
  'VM.Config.CPU',
  'VM.Config.Cloudinit',
  'VM.Config.Disk',
  'VM.Config.HWType',
  'VM.Config.Memory',
  'VM.Config.Network',
  'VM.Config.Options',
  'VM.Console',
  'VM.Migrate',
  'VM.Monitor',
  'VM.PowerMgmt',
  'VM.Snapshot',
  'VM.Snapshot.Rollback',
  'Datastore.Allocate',
  'Datastore.AllocateSpace',
  'Datastore.AllocateTemplate',
  'Datastore.Audit',
  'Sys.Audit',
  'Sys.Console',
  'Sys.Incoming',
  'Sys.Modify',
  'Sys.PowerMgmt',
  'Sys.Syslog',
  'SDN.Allocate',
  'SDN.Audit',
  'SDN.Use',
  'Pool.Allocate',
  'Pool.Audit',
  'User.Modify',
  'Group.Allocate',
  'Realm.Allocate',
  'Realm.AllocateUser',
  'Mapping.Audit',
  'Mapping.Modify',
  'Mapping.Use',
  'Permissions.Modify',
] as const;

/** One privilege name, e.g. `VM.PowerMgmt`. */
export type Privilege = (typeof PRIVILEGES)[number];

const PRIVILEGE_SET: ReadonlySet<string> = new Set(PRIVILEGES);

/**
 * True when `value` is a known privilege name. Case-sensitive, as Proxmox's
 * `verify_privname` is: `vm.audit` is not a privilege.
 */
export function isPrivilege(value: unknown): value is Privilege {
  return typeof value === 'string' && PRIVILEGE_SET.has(value);
}
