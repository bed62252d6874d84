import { createHash } from 'node:crypto';
import { parseVolumeId } from '@/agent/contract/common';
import {
  ZOsType,
  ZTag,
  type AddDiskInput,
  type CreateGuestInput,
  type GuestConfig,
  type UpdateGuestInput,
} from '@/agent/contract/guests';
import { parseDiskSlot } from '@/agent/drivers/qemu/validate';
import type { BootDevice, DiskSlot } from '@/agent/drivers/types';
import { paramError } from './errors';
import { formatPropertyString, formatSize, parsePropertyString, PropertyStringError } from './property-string';

/**
 * Proxmox's VM configuration keys (qemu-server `PVE::QemuServer` `$confdesc`)
 * mapped onto Horcrux's guest model, both ways. What Horcrux cannot do yet is
 * refused with a parameter error that says so, never silently dropped.
 */

export type Params = Record<string, unknown>;
type Errors = Record<string, string>;

const NET_KEY = /^net([0-9]|[12][0-9]|3[01])$/;
const NIC_MODELS = new Set(['virtio', 'e1000']);
const PVE_NIC_MODELS = [
  'e1000',
  'e1000-82540em',
  'e1000-82544gc',
  'e1000-82545em',
  'e1000e',
  'i82551',
  'i82557b',
  'i82559er',
  'ne2k_isa',
  'ne2k_pci',
  'pcnet',
  'rtl8139',
  'virtio',
  'vmxnet3',
];
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;

export const isNetKey = (k: string) => NET_KEY.test(k);
export const isDiskKey = (k: string) => parseDiskSlot(k) !== null;

/** Keys Proxmox knows that Horcrux accepts only at their default value (what Proxmox itself does by default). */
const DEFAULT_ONLY: Record<string, { value: string; why: string }> = {
  onboot: { value: '0', why: 'starting guests when the node boots is not supported yet' },
  agent: { value: '0', why: 'the QEMU guest agent is not supported yet' },
  acpi: { value: '1', why: 'ACPI is always on' },
  kvm: { value: '1', why: 'hardware acceleration is chosen by the node' },
  numa: { value: '0', why: 'NUMA topology is not supported yet' },
  tablet: { value: '1', why: 'a USB tablet is not configurable yet' },
  template: { value: '0', why: 'templates are not supported yet' },
  protection: { value: '0', why: 'protection is not supported yet' },
  start: { value: '0', why: 'start the VM with POST .../status/start after the create task' },
  scsihw: { value: 'virtio-scsi-pci', why: 'SCSI disks use virtio-scsi-pci' },
  localtime: { value: '0', why: 'the RTC runs in UTC' },
};

/** Keys of POST /nodes/{node}/qemu and of config changes, other than disks and NICs. */
const KNOWN = new Set([
  'vmid',
  'name',
  'memory',
  'cores',
  'sockets',
  'ostype',
  'bios',
  'machine',
  'vga',
  'tags',
  'description',
  'boot',
  'serial0',
  'cpu',
  'digest',
  'delete',
  'revert',
  'skiplock',
  'pool',
  'balloon',
  'cpulimit',
  'cpuunits',
  'args',
  'hotplug',
  'efidisk0',
  'ipconfig0',
  'ciuser',
  'cipassword',
  'sshkeys',
  ...Object.keys(DEFAULT_ONLY),
]);

const UNSUPPORTED: Record<string, string> = {
  cpu: 'Horcrux chooses the CPU model from the node (KVM host CPU or TCG); omit cpu',
  pool: 'add the VM to a pool with PUT /pools/{poolid} after creating it',
  balloon: 'memory ballooning is not supported yet',
  cpulimit: 'CPU limits are not supported yet',
  cpuunits: 'CPU weights are not supported yet',
  args: 'extra QEMU arguments are never accepted',
  hotplug: 'hotplug settings are not supported yet',
  efidisk0: 'EFI disks are not supported yet (bios=ovmf keeps its variables itself)',
  ipconfig0: 'cloud-init is not supported yet',
  ciuser: 'cloud-init is not supported yet',
  cipassword: 'cloud-init is not supported yet',
  sshkeys: 'cloud-init is not supported yet',
  revert: 'reverting pending changes is not supported yet',
  skiplock: 'skiplock is not supported',
};

function text(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return typeof v === 'boolean' ? (v ? '1' : '0') : String(v);
  return null;
}

function intParam(errors: Errors, key: string, v: unknown, min: number, max: number): number | undefined {
  const t = text(v);
  // Proxmox 8's memory is `[current=]<integer>`.
  const raw = key === 'memory' && t?.startsWith('current=') ? t.slice(8) : t;
  if (raw === null || !/^-?\d+$/.test(raw.trim())) {
    errors[key] = `type check ('integer') failed - got '${String(t)}'`;
    return undefined;
  }
  const n = Number(raw);
  if (n < min) errors[key] = `value must have a minimum value of ${min}`;
  else if (n > max) errors[key] = `value must have a maximum value of ${max}`;
  else return n;
  return undefined;
}

function boolText(t: string): string | null {
  const l = t.toLowerCase();
  if (['1', 'yes', 'on', 'true'].includes(l)) return '1';
  if (['0', 'no', 'off', 'false'].includes(l)) return '0';
  return null;
}

/** A NIC: `virtio=MAC,bridge=…`, `virtio,bridge=…` or `model=virtio,macaddr=MAC`. */
export function parseNet(value: string): { model: 'virtio' | 'e1000'; mac?: string } {
  const items = parsePropertyString(value);
  let model: string | undefined;
  let mac: string | undefined;
  for (const { key, value: v } of items) {
    if (PVE_NIC_MODELS.includes(key)) {
      if (model) throw new PropertyStringError('more than one model');
      model = key;
      if (v !== '') mac = v;
    } else if (key === 'model') {
      model = v;
    } else if (key === 'macaddr') {
      mac = v;
    } else if (key === 'bridge') {
      throw new PropertyStringError(
        `bridge '${v}': Horcrux has no bridges yet; guests get user-mode networking (omit bridge, as Proxmox does for NAT)`,
      );
    } else if (key === 'firewall' || key === 'link_down') {
      if (boolText(v) !== '0') throw new PropertyStringError(`${key} is not supported yet`);
    } else {
      throw new PropertyStringError(`'${key}' is not supported${PVE_NIC_MODELS.includes(key) ? '' : ' (unknown key)'}`);
    }
  }
  if (!model) throw new PropertyStringError('a model is required (virtio or e1000)');
  if (!NIC_MODELS.has(model))
    throw new PropertyStringError(`model '${model}' is not supported yet: use virtio or e1000`);
  if (mac !== undefined && !MAC.test(mac)) throw new PropertyStringError(`macaddr '${mac}' is not a MAC address`);
  if (mac !== undefined && (parseInt(mac.slice(0, 2), 16) & 1) === 1)
    throw new PropertyStringError(`macaddr '${mac}' is not a unicast address`);
  return { model: model as 'virtio' | 'e1000', ...(mac ? { mac: mac.toLowerCase() } : {}) };
}

/**
 * As Proxmox writes it: `virtio=BC:24:11:AA:BB:CC,firewall=0`. No bridge:
 * user-mode networking, as in Proxmox without one; `firewall=0` is stated
 * because clients (Ansible's proxmox_kvm) read the MAC as the text between
 * `=` and the next comma.
 */
export function formatNet(nic: { model: string; mac: string }): string {
  return formatPropertyString([
    { key: nic.model, value: nic.mac.toUpperCase() },
    { key: 'firewall', value: '0' },
  ]);
}

export type DiskSpec =
  | { kind: 'new'; storage: string; sizeMiB: number; format?: 'qcow2' | 'raw' }
  | { kind: 'existing'; volume: string }
  | { kind: 'cdrom'; volume: string | null };

const DISK_OPTS_IGNORED = new Set(['cache', 'discard', 'iothread', 'ssd', 'backup', 'replicate', 'aio']);

/** `storage:SIZE_GiB[,format=…]` (a new volume), `volume[,size=…]` (an existing one) or `…,media=cdrom`. */
export function parseDisk(value: string): DiskSpec {
  const items = parsePropertyString(value, 'file');
  const opts = Object.fromEntries(items.map((i) => [i.key, i.value]));
  const file = opts.file;
  if (!file) throw new PropertyStringError("missing the volume (e.g. 'local:32' or 'local:iso/x.iso,media=cdrom')");
  for (const key of Object.keys(opts)) {
    if (!['file', 'media', 'size', 'format'].includes(key) && !DISK_OPTS_IGNORED.has(key))
      throw new PropertyStringError(`'${key}' is not supported yet`);
  }
  if (opts.media !== undefined && opts.media !== 'disk' && opts.media !== 'cdrom')
    throw new PropertyStringError(`media '${opts.media}' must be disk or cdrom`);
  if (opts.media === 'cdrom') {
    if (file === 'none') return { kind: 'cdrom', volume: null };
    if (file === 'cdrom') throw new PropertyStringError('a physical CD-ROM drive is not supported: use an ISO volume');
    const v = parseVolumeId(file);
    if (!v || v.content !== 'iso')
      throw new PropertyStringError(`'${file}' is not an ISO volume such as local:iso/x.iso`);
    return { kind: 'cdrom', volume: file };
  }
  if (opts.format !== undefined && opts.format !== 'qcow2' && opts.format !== 'raw')
    throw new PropertyStringError(`format '${opts.format}' is not supported: use qcow2 or raw`);
  const format = opts.format as 'qcow2' | 'raw' | undefined;
  const alloc = /^([a-zA-Z][a-zA-Z0-9\-_.]{0,63}):(\d+(?:\.\d+)?)$/.exec(file);
  if (alloc) {
    const sizeMiB = Math.ceil(Number(alloc[2]) * 1024);
    if (sizeMiB < 1) throw new PropertyStringError('the size must be more than 0 GiB');
    return { kind: 'new', storage: alloc[1]!, sizeMiB, ...(format ? { format } : {}) };
  }
  const v = parseVolumeId(file);
  if (v?.content === 'iso') throw new PropertyStringError(`'${file}' is an ISO image: add media=cdrom (in ide2)`);
  if (!v || v.content !== 'images')
    throw new PropertyStringError(
      `'${file}' is neither STORAGE:SIZE_GiB nor an image volume such as local:100/vm-100-disk-0.qcow2`,
    );
  return { kind: 'existing', volume: file };
}

/** `local:100/vm-100-disk-0.qcow2,size=32G` (Proxmox adds format only when it differs from the file's). */
export function formatDisk(volume: string, sizeBytes: number | undefined): string {
  return formatPropertyString(
    [
      { key: 'file', value: volume },
      ...(sizeBytes !== undefined ? [{ key: 'size', value: formatSize(sizeBytes) }] : []),
    ],
    'file',
  );
}

/** `order=scsi0;ide2;net0` (Proxmox 6.2+). The legacy letters (`cdn`) are refused. */
export function parseBoot(value: string): BootDevice[] {
  const items = parsePropertyString(value, 'legacy');
  const order = items.find((i) => i.key === 'order');
  if (items.some((i) => i.key === 'legacy'))
    throw new PropertyStringError("use 'order=scsi0;ide2;net0' (the legacy letters are not supported)");
  if (!order || items.length !== 1) throw new PropertyStringError("expected 'order=<device>[;<device>...]'");
  const devices = order.value.split(/[;,]/).filter(Boolean);
  for (const d of devices) {
    if (!isDiskKey(d) && !isNetKey(d)) throw new PropertyStringError(`'${d}' is not a disk slot, ide2 or netN`);
  }
  return devices as BootDevice[];
}

function vga(value: string): 'std' | 'virtio' | 'qxl' | 'cirrus' | 'none' {
  const items = parsePropertyString(value, 'type');
  const type = items.find((i) => i.key === 'type')?.value;
  if (items.some((i) => i.key !== 'type' && i.key !== 'memory'))
    throw new PropertyStringError('only type and memory are supported');
  if (!type || !['std', 'virtio', 'qxl', 'cirrus', 'none'].includes(type))
    throw new PropertyStringError(`type '${String(type)}' is not supported: std, virtio, qxl, cirrus or none`);
  return type as 'std';
}

function machine(value: string): 'q35' | 'i440fx' {
  if (value === 'q35' || /^pc-q35-\d/.test(value)) return 'q35';
  if (value === 'pc' || value === 'i440fx' || /^pc-i440fx-\d/.test(value)) return 'i440fx';
  throw new PropertyStringError(`machine '${value}' must be q35 or pc (i440fx)`);
}

function tags(value: string): string[] {
  const list = value.split(/[;, ]+/).filter(Boolean);
  for (const t of list) if (!ZTag.safeParse(t).success) throw new PropertyStringError(`'${t}' is not a valid tag`);
  return list;
}

/** The fields both create and update take, parsed from Proxmox parameters; disks and NICs apart. */
type Common = {
  name?: string;
  cores?: number;
  sockets?: number;
  memoryMiB?: number;
  machine?: 'q35' | 'i440fx';
  bios?: 'seabios' | 'ovmf';
  vga?: 'std' | 'virtio' | 'qxl' | 'cirrus' | 'none';
  boot?: BootDevice[];
  serial?: boolean;
  tags?: string[];
  description?: string;
  ostype?: GuestConfig['ostype'];
};

function parseCommon(params: Params, errors: Errors, allowed: (k: string) => boolean): Common {
  const out: Common = {};
  const str = (k: string) => text(params[k]);
  const prop = <T>(k: string, f: (v: string) => T): T | undefined => {
    const v = str(k);
    if (v === null) {
      errors[k] = 'type check failed: expected a string';
      return undefined;
    }
    try {
      return f(v);
    } catch (e) {
      if (e instanceof PropertyStringError) errors[k] = e.message;
      else throw e;
      return undefined;
    }
  };
  for (const key of Object.keys(params)) {
    if (!allowed(key)) continue;
    if (isNetKey(key) || isDiskKey(key)) continue;
    if (!KNOWN.has(key)) {
      errors[key] = 'property is not defined in schema and the schema does not allow additional properties';
      continue;
    }
    if (UNSUPPORTED[key]) {
      errors[key] = UNSUPPORTED[key]!;
      continue;
    }
    const dflt = DEFAULT_ONLY[key];
    if (dflt) {
      const raw = str(key) ?? '';
      const v =
        key === 'agent' ? (boolText(raw.replace(/^enabled=/, '').split(',')[0]!) ?? raw) : (boolText(raw) ?? raw);
      if (v !== dflt.value) errors[key] = `only ${dflt.value} is supported: ${dflt.why}`;
      continue;
    }
    switch (key) {
      case 'name':
        out.name = str(key) ?? undefined;
        break;
      case 'memory':
        out.memoryMiB = intParam(errors, key, params[key], 16, 4 * 1024 * 1024);
        break;
      case 'cores':
        out.cores = intParam(errors, key, params[key], 1, 512);
        break;
      case 'sockets':
        out.sockets = intParam(errors, key, params[key], 1, 16);
        break;
      case 'ostype': {
        const r = ZOsType.safeParse(str(key));
        if (r.success) out.ostype = r.data;
        else
          errors[key] = `value '${str(key)}' does not have a value in the enumeration '${ZOsType.options.join(', ')}'`;
        break;
      }
      case 'bios': {
        const v = str(key);
        if (v === 'seabios' || v === 'ovmf') out.bios = v;
        else errors[key] = `value '${v}' does not have a value in the enumeration 'seabios, ovmf'`;
        break;
      }
      case 'machine':
        out.machine = prop(key, machine);
        break;
      case 'vga':
        out.vga = prop(key, vga);
        break;
      case 'boot':
        out.boot = prop(key, parseBoot);
        break;
      case 'serial0': {
        const v = str(key);
        if (v === 'socket') out.serial = true;
        else errors[key] = "only 'socket' is supported";
        break;
      }
      case 'tags':
        out.tags = prop(key, tags);
        break;
      case 'description':
        out.description = str(key) ?? undefined;
        break;
      // digest and delete are handled by the caller.
    }
  }
  return out;
}

function collectDisks(params: Params, errors: Errors): Map<string, DiskSpec> {
  const disks = new Map<string, DiskSpec>();
  for (const key of Object.keys(params).filter(isDiskKey)) {
    const v = text(params[key]);
    try {
      if (v === null) throw new PropertyStringError('expected a string');
      const spec = parseDisk(v);
      if (spec.kind === 'cdrom' && key !== 'ide2') throw new PropertyStringError('the CD-ROM drive is ide2');
      if (key === 'ide2' && spec.kind !== 'cdrom')
        throw new PropertyStringError('ide2 is the CD-ROM drive: add media=cdrom');
      disks.set(key, spec);
    } catch (e) {
      if (e instanceof PropertyStringError) errors[key] = e.message;
      else throw e;
    }
  }
  return disks;
}

function collectNets(params: Params, errors: Errors): Map<number, { model: 'virtio' | 'e1000'; mac?: string }> {
  const nets = new Map<number, { model: 'virtio' | 'e1000'; mac?: string }>();
  for (const key of Object.keys(params).filter(isNetKey)) {
    const v = text(params[key]);
    try {
      if (v === null) throw new PropertyStringError('expected a string');
      nets.set(Number(key.slice(3)), parseNet(v));
    } catch (e) {
      if (e instanceof PropertyStringError) errors[key] = e.message;
      else throw e;
    }
  }
  return nets;
}

function nicsInOrder<T>(nets: Map<number, T>, errors: Errors): T[] {
  const indexes = [...nets.keys()].sort((a, b) => a - b);
  indexes.forEach((n, i) => {
    if (n !== i) errors[`net${n}`] = `NICs are numbered from net0 without gaps: add net${i} first`;
  });
  return indexes.map((n) => nets.get(n)!);
}

/** POST /nodes/{node}/qemu parameters → Horcrux's create input. Throws a parameter error naming every bad key. */
export function toCreateInput(params: Params, vmid: number): CreateGuestInput {
  const errors: Errors = {};
  const common = parseCommon(params, errors, (k) => k !== 'vmid' && k !== 'node');
  if ('delete' in params)
    errors.delete = 'property is not defined in schema and the schema does not allow additional properties';
  if ('digest' in params)
    errors.digest = 'property is not defined in schema and the schema does not allow additional properties';
  const disks = collectDisks(params, errors);
  const nets = collectNets(params, errors);
  const newDisks: NonNullable<CreateGuestInput['disks']> = [];
  let cdrom: string | null = null;
  for (const [slot, spec] of disks) {
    if (spec.kind === 'cdrom') cdrom = spec.volume;
    else if (spec.kind === 'existing')
      errors[slot] = 'attaching an existing volume is not supported yet: use STORAGE:SIZE_GiB';
    else
      newDisks.push({
        slot: slot as DiskSlot,
        storage: spec.storage,
        sizeMiB: spec.sizeMiB,
        ...(spec.format ? { format: spec.format } : {}),
      });
  }
  const nics = nicsInOrder(nets, errors);
  if (Object.keys(errors).length) throw paramError(errors);
  return {
    vmid,
    // Proxmox names a VM without a name `VM <vmid>`; a DNS name here.
    name: common.name ?? `vm${vmid}`,
    ...(common.cores !== undefined ? { cores: common.cores } : {}),
    ...(common.sockets !== undefined ? { sockets: common.sockets } : {}),
    ...(common.memoryMiB !== undefined ? { memoryMiB: common.memoryMiB } : {}),
    ...(common.machine ? { machine: common.machine } : {}),
    ...(common.bios ? { bios: common.bios } : {}),
    ...(common.vga ? { vga: common.vga } : {}),
    ...(common.boot ? { boot: common.boot } : {}),
    ...(common.description !== undefined ? { description: common.description } : {}),
    ...(common.tags ? { tags: common.tags } : {}),
    ...(common.ostype ? { ostype: common.ostype } : {}),
    // Proxmox gives a VM no serial port unless asked; no NIC unless asked.
    serial: common.serial ?? false,
    disks: newDisks,
    cdrom: cdrom ? { volume: cdrom } : null,
    nics,
  };
}

const DELETABLE: Record<string, string> = {
  description: 'description',
  tags: 'tags',
  ostype: 'ostype',
  serial0: 'serial',
  vga: 'vga',
  boot: 'boot',
  ide2: 'cdrom',
};

/**
 * What a PUT/POST .../config asks for: disks to detach, disks to add (run in
 * that order, each its own task), then the other changes as one update.
 */
export type ConfigChange = { detach: DiskSlot[]; add: AddDiskInput[]; update: UpdateGuestInput | null };

/** `delete=` as a list of keys. */
function deleteKeys(params: Params): string[] {
  return (
    text(params.delete)
      ?.split(/[,; \0]+/)
      .filter(Boolean) ?? []
  );
}

/**
 * The disk keys of a config change: `delete=scsiN` detaches a disk (its volume
 * is kept), `scsiN: STORAGE:SIZE_GiB` adds a new one and `scsiN: VOLUME` an
 * unused volume of this VM, in a free slot or one detached by the same call.
 * Disks restated as they are (Terraform resends them) change nothing.
 */
function diskChanges(
  disks: Map<string, DiskSpec>,
  deletes: string[],
  current: GuestConfig,
  vmid: number,
  errors: Errors,
): Pick<ConfigChange, 'detach' | 'add'> {
  const detach = deletes.filter((k): k is DiskSlot => isDiskKey(k) && current.disks.some((d) => d.slot === k));
  const add: AddDiskInput[] = [];
  for (const [key, spec] of disks) {
    if (spec.kind === 'cdrom') continue;
    const slot = key as DiskSlot;
    const holder = detach.includes(slot) ? undefined : current.disks.find((d) => d.slot === slot);
    if (spec.kind === 'existing' && holder?.volume === spec.volume) continue;
    if (holder) {
      errors[slot] =
        `${slot} holds ${holder.volume}: replacing a disk is not supported yet (detach it with delete=${slot} first, or choose a free slot)`;
    } else if (spec.kind === 'new') {
      add.push({ slot, storage: spec.storage, sizeMiB: spec.sizeMiB, ...(spec.format ? { format: spec.format } : {}) });
    } else if (parseVolumeId(spec.volume)?.vmid !== vmid) {
      errors[slot] =
        `moving disks between VMs is not supported yet: attach a volume of VM ${vmid} or use STORAGE:SIZE_GiB`;
    } else {
      add.push({ slot, volume: spec.volume });
    }
  }
  return { detach, add };
}

/**
 * Config changes (PUT/POST .../config) against the current config (pending
 * applied) of VM `vmid`, or null when nothing changes.
 */
export function toConfigChange(params: Params, current: GuestConfig, vmid: number): ConfigChange | null {
  const errors: Errors = {};
  const common = parseCommon(params, errors, (k) => k !== 'vmid' && k !== 'node' && k !== 'background_delay');
  const changes: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(common)) if (v !== undefined) changes[k] = v;
  if (common.memoryMiB !== undefined) changes.memoryMiB = common.memoryMiB;

  const deletes = deleteKeys(params);
  const disks = collectDisks(params, errors);
  const { detach, add } = diskChanges(disks, deletes, current, vmid, errors);
  const cdrom = disks.get('ide2');
  if (cdrom?.kind === 'cdrom') changes.cdrom = cdrom.volume ? { volume: cdrom.volume } : null;
  const nets = collectNets(params, errors);
  let nics = current.nics.map((n) => ({ ...n }));
  for (const [i, nic] of nets) {
    if (i > nics.length) {
      errors[`net${i}`] = `NICs are numbered from net0 without gaps: add net${nics.length} first`;
      continue;
    }
    // A NIC restated without a MAC keeps its MAC, as in Proxmox.
    const mac = nic.mac ?? nics[i]?.mac;
    nics[i] = mac ? { model: nic.model, mac } : (nic as { model: 'virtio'; mac: string });
  }
  for (const key of deletes) {
    if (isNetKey(key)) {
      const i = Number(key.slice(3));
      if (i >= nics.length) continue;
      if (i !== nics.length - 1) errors.delete = `${key}: only the last NIC (net${nics.length - 1}) can be removed`;
      else nics = nics.slice(0, -1);
    } else if (DELETABLE[key]) {
      const field = DELETABLE[key]!;
      changes[field] = field === 'serial' ? false : field === 'vga' ? 'std' : field === 'boot' ? [] : null;
    } else if (isDiskKey(key) || key in DEFAULT_ONLY || key === 'cpu' || key === 'balloon') {
      // Disks: detached above (a slot without a disk is not set, so nothing to do, as Proxmox warns and goes on).
      continue;
    } else {
      errors.delete = `${key}: cannot be removed`;
    }
  }
  if (nets.size || deletes.some(isNetKey)) {
    if (nics.some((n) => !n.mac)) {
      // New NICs get their MAC from the agent only on create; generate one here with Proxmox's prefix.
      nics = nics.map((n) => (n.mac ? n : { ...n, mac: randomMac() }));
    }
    if (JSON.stringify(nics) !== JSON.stringify(current.nics)) changes.nics = nics;
  }
  if (Object.keys(errors).length) throw paramError(errors);
  // The update runs after the detaches, which take their disks out of the boot order themselves.
  const base = { ...current, boot: current.boot.filter((d) => !detach.includes(d as DiskSlot)) };
  // A removed device leaves the boot order too, as in Proxmox.
  const nicCount = ((changes.nics as unknown[] | undefined) ?? base.nics).length;
  const wanted = (changes.boot as BootDevice[] | undefined) ?? base.boot;
  const boot = wanted.filter(
    (d) =>
      !(d === 'ide2' && changes.cdrom === null) &&
      !(isNetKey(d) && Number(d.slice(3)) >= nicCount) &&
      !detach.includes(d as DiskSlot),
  );
  if (boot.length !== wanted.length || changes.boot !== undefined) changes.boot = boot;
  // Drop what equals the current value, so restating a config changes nothing.
  for (const [k, v] of Object.entries(changes)) {
    const cur = (base as Record<string, unknown>)[k];
    if (JSON.stringify(cur ?? null) === JSON.stringify(v ?? null)) delete changes[k];
  }
  const update = Object.keys(changes).length ? (changes as UpdateGuestInput) : null;
  return update || detach.length || add.length ? { detach, add, update } : null;
}

function randomMac(): string {
  const b = createHash('sha256').update(`${Date.now()}-${Math.random()}`).digest();
  return ['bc', '24', '11', ...[0, 1, 2].map((i) => b[i]!.toString(16).padStart(2, '0'))].join(':');
}

/** Horcrux field names in service errors → the Proxmox parameter. */
export function proxmoxParamOf(field: string, config?: { disks?: { slot: string }[] }): string {
  const [head, index] = field.split('.');
  if (head === 'memoryMiB') return 'memory';
  if (head === 'cdrom') return 'ide2';
  if (head === 'serial') return 'serial0';
  if (head === 'nics' && index !== undefined) return `net${index}`;
  if (head === 'disks' && index !== undefined) return config?.disks?.[Number(index)]?.slot ?? 'disks';
  return head ?? field;
}

/** A guest's config as GET .../config answers: integer keys as numbers, property strings as strings. */
export function toProxmoxConfig(
  config: GuestConfig,
  sizes: ReadonlyMap<string, number>,
): Record<string, string | number> {
  const out: Record<string, string | number> = {
    name: config.name,
    cores: config.cores,
    sockets: config.sockets,
    memory: config.memoryMiB,
    machine: config.machine === 'q35' ? 'q35' : 'pc',
    bios: config.bios,
    vga: config.vga,
    boot: `order=${config.boot.join(';')}`,
  };
  if (config.boot.length === 0) delete out.boot;
  if (config.disks.some((d) => d.slot.startsWith('scsi'))) out.scsihw = 'virtio-scsi-pci';
  for (const d of config.disks) out[d.slot] = formatDisk(d.volume, sizes.get(d.volume));
  if (config.cdrom) out.ide2 = `${config.cdrom.volume},media=cdrom`;
  config.nics.forEach((n, i) => (out[`net${i}`] = formatNet(n)));
  if (config.serial) out.serial0 = 'socket';
  if (config.ostype) out.ostype = config.ostype;
  if (config.tags?.length) out.tags = config.tags.join(';');
  if (config.description !== undefined) out.description = config.description;
  out.digest = configDigest(config);
  return out;
}

/** SHA-1 of the config, as Proxmox's `digest` (clients send it back to detect concurrent changes). */
export function configDigest(config: GuestConfig): string {
  return createHash('sha1').update(JSON.stringify(config)).digest('hex');
}
