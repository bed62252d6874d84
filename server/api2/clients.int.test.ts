import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SerialReader } from '@/agent/drivers/qemu/test-helpers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi2Console, type Api2Console } from './testing';

// Real third-party Proxmox clients against /api2/json of a console with a real
// agent and real QEMU (TCG): Debian's python3-proxmoxer, Debian's Ansible with
// community.general's proxmox modules, and the npm proxmox-api client.

const NODE = 'hx-api2c';
const CLIENTS = path.join(import.meta.dirname, 'clients');
let c: Api2Console;

type Step = { step: string; value: unknown };

function run(
  file: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { env: { ...process.env, ...env }, timeout: 600_000, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

async function proxmoxer(vmid: number, mode: 'ticket' | 'token'): Promise<Map<string, unknown>> {
  const secret = mode === 'ticket' ? c.admin.password : c.token.secret;
  const args = [
    path.join(CLIENTS, 'proxmoxer_lifecycle.py'),
    `127.0.0.1:${c.port}`,
    NODE,
    c.iso,
    String(vmid),
    mode,
    c.admin.userid,
    secret,
    'ci',
  ];
  const r = await run('/usr/bin/python3', args);
  const steps = new Map(
    r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Step)
      .map((s) => [s.step, s.value] as const),
  );
  if (r.code !== 0) throw new Error(`proxmoxer (${mode}) failed after ${[...steps.keys()].join(', ')}:\n${r.stderr}`);
  return steps;
}

/** Connects to a guest's serial socket once it exists; null if `done` settles first. */
async function waitForSocket(socketPath: string, done: Promise<unknown>): Promise<SerialReader | null> {
  let finished = false;
  void done.finally(() => (finished = true));
  while (!finished) {
    const reader = await SerialReader.connect(socketPath).catch(() => null);
    if (reader) return reader;
    await new Promise((r) => setTimeout(r, 250));
  }
  return null;
}

beforeAll(async () => {
  c = await startApi2Console(NODE);
});
afterAll(async () => {
  await c?.close();
});

describe('python3-proxmoxer (Debian)', () => {
  for (const [mode, vmid] of [
    ['ticket', 150],
    ['token', 151],
  ] as const) {
    it(`drives a VM's whole life with a ${mode}`, async () => {
      const s = await proxmoxer(vmid, mode);
      expect(s.get('version')).toMatchObject({ version: expect.stringMatching(/^8\./) as unknown });
      expect(s.get('nodes')).toEqual([NODE]);
      expect(s.get('nextid')).toMatch(/^\d+$/);
      expect(s.get('create')).toMatchObject({
        status: 'stopped',
        exitstatus: 'OK',
        type: 'qmcreate',
        id: String(vmid),
      });
      const config = s.get('config') as Record<string, unknown>;
      expect(config).toMatchObject({
        name: `pxr-${vmid}`,
        memory: 160,
        cores: 1,
        sockets: 1,
        ostype: 'l26',
        ide2: `${c.iso},media=cdrom`,
        boot: 'order=ide2;scsi0',
        serial0: 'socket',
        description: 'made by proxmoxer',
        tags: 'proxmoxer;test',
        scsi0: `local:${vmid}/vm-${vmid}-disk-0.qcow2,size=32M`,
      });
      // A MAC was generated, Proxmox's way of writing it.
      expect(config.net0).toMatch(/^virtio=BC:24:11(:[0-9A-F]{2}){3},firewall=0$/);
      expect(s.get('list')).toContainEqual([vmid, `pxr-${vmid}`, 'stopped']);
      expect(s.get('duplicate')).toMatchObject({
        status_code: 500,
        message: expect.stringContaining('already exists') as unknown,
      });
      expect(s.get('bad-net')).toMatchObject({
        status_code: 400,
        message: expect.stringContaining('Parameter verification failed.') as unknown,
      });
      expect(s.get('config-put')).toMatchObject({ memory: 192, description: 'changed by proxmoxer' });
      expect(s.get('snapshot')).toMatchObject({ exitstatus: 'OK', type: 'qmsnapshot' });
      expect(s.get('snapshots')).toEqual([
        expect.objectContaining({ name: 'before', description: 'before start', vmstate: 0 }),
        expect.objectContaining({ name: 'current', parent: 'before', running: 0 }),
      ]);
      // The snapshot keeps the VM's config (memory 192 then), in Proxmox's format.
      expect(s.get('snapshot-config')).toMatchObject({
        description: 'before start',
        snaptime: expect.any(Number) as unknown,
        memory: 192,
        scsi0: `local:${vmid}/vm-${vmid}-disk-0.qcow2,size=32M`,
      });
      expect(s.get('config-of-snapshot')).toMatchObject({
        memory: 192,
        description: 'before start',
        digest: expect.stringMatching(/^[0-9a-f]{40}$/) as unknown,
      });
      expect(s.get('start')).toMatchObject({ exitstatus: 'OK', type: 'qmstart' });
      expect(s.get('status-running')).toMatchObject({ status: 'running', vmid, name: `pxr-${vmid}` });
      // Proxmox's wording: the failed task's exit status says it is already running.
      expect((s.get('start-again') as { exitstatus: string }).exitstatus).toContain('already running');
      expect(s.get('stop')).toMatchObject({ exitstatus: 'OK', type: 'qmstop' });
      expect(s.get('status-stopped')).toMatchObject({ status: 'stopped' });
      expect(s.get('rollback')).toMatchObject({ exitstatus: 'OK', type: 'qmrollback' });
      // memory was set to 224 after the snapshot: the rollback put the snapshot's config back.
      expect(s.get('config-after-rollback')).toMatchObject({ memory: 192 });
      expect(s.get('delsnapshot')).toMatchObject({ exitstatus: 'OK', type: 'qmdelsnapshot' });
      expect(s.get('snapshots-after')).toEqual([expect.objectContaining({ name: 'current' })]);
      expect((s.get('log') as { n: number; t: string }[])[0]).toMatchObject({ n: 1, t: expect.any(String) as unknown });
      expect(s.get('delete')).toMatchObject({ exitstatus: 'OK', type: 'qmdestroy' });
      expect(s.get('gone')).toMatchObject({
        status_code: 500,
        message: expect.stringContaining('does not exist') as unknown,
      });
    });
  }
});

describe('Ansible community.general proxmox modules (Debian ansible)', () => {
  it('creates, starts, stops and deletes a VM with proxmox_kvm, snapshots it with proxmox_snap, and lists users with proxmox_user_info', async () => {
    const vmid = 160;
    const dir = await mkdtemp(path.join(os.tmpdir(), 'hx-ansible-'));
    try {
      const readyFile = path.join(dir, 'guest-ready');
      const vars = {
        api_host: `127.0.0.1:${c.port}`,
        api_user: c.admin.userid,
        api_password: c.admin.password,
        node: NODE,
        vmid,
        iso: c.iso,
        ready_file: readyFile,
      };
      await writeFile(path.join(dir, 'vars.json'), JSON.stringify(vars));
      const playbook = run(
        'ansible-playbook',
        [path.join(CLIENTS, 'playbook.yml'), '-e', `@${path.join(dir, 'vars.json')}`],
        {
          ANSIBLE_STDOUT_CALLBACK: 'json',
          ANSIBLE_LOCALHOST_WARNING: 'false',
          ANSIBLE_INVENTORY_UNPARSED_WARNING: 'false',
          ANSIBLE_PYTHON_INTERPRETER: '/usr/bin/python3',
          ANSIBLE_HOME: dir,
          ANSIBLE_LOCAL_TEMP: path.join(dir, 'tmp'),
        },
      );
      // Watch the guest's serial console while the playbook runs; tell it when the guest is up.
      const serial = await waitForSocket(path.join(c.agent.runDir, `${vmid}.serial`), playbook);
      if (serial) {
        await serial.waitFor(/HORCRUX-TEST-GUEST READY/, 120_000);
        serial.close();
        await writeFile(readyFile, 'ready');
      }
      const r = await playbook;
      const out = JSON.parse(r.stdout.slice(r.stdout.indexOf('{'))) as {
        plays: { tasks: { task: { name: string }; hosts: { localhost: Record<string, unknown> } }[] }[];
        stats: { localhost: { failures: number; ok: number } };
      };
      const results = new Map(out.plays[0]!.tasks.map((t) => [t.task.name, t.hosts.localhost]));
      const failed = [...results].filter(([, h]) => h.failed).map(([n, h]) => `${n}: ${String(h.msg)}`);
      expect(failed, r.stderr).toEqual([]);
      expect(out.stats.localhost.failures).toBe(0);
      expect(results.get('Create a VM')).toMatchObject({
        changed: true,
        vmid,
        msg: `VM ansible-${vmid} with vmid ${vmid} deployed`,
      });
      expect(results.get('Create it again (nothing to do)')).toMatchObject({ changed: false });
      expect(results.get('Start it')).toMatchObject({ changed: true, msg: `VM ${vmid} started` });
      expect(results.get('Read its state')).toMatchObject({ status: 'running' });
      expect(results.get('Stop it (ACPI, forced if the guest ignores it)')).toMatchObject({ changed: true });
      expect(results.get('Take a snapshot')).toMatchObject({ changed: true, msg: 'Snapshot before created' });
      expect(results.get('Roll back to it')).toMatchObject({ changed: true, msg: 'Snapshot before rolled back' });
      expect(results.get('Remove it')).toMatchObject({ changed: true, msg: 'Snapshot before removed' });
      const users = results.get('List users')!.proxmox_users as { userid: string; enabled: boolean; domain: string }[];
      expect(users).toContainEqual(expect.objectContaining({ userid: c.admin.userid, enabled: true, domain: 'local' }));
      expect(results.get('One user')!.proxmox_users).toEqual([expect.objectContaining({ userid: c.admin.userid })]);
      expect(results.get('Delete it')).toMatchObject({ changed: true, msg: `VM ${vmid} removed` });
      expect(await c.t.db.guest.findUnique({ where: { vmid } })).toBeNull();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 400_000);
});

describe('npm proxmox-api', () => {
  it('lists nodes and guests with a token, and creates and deletes a VM', async () => {
    const { default: proxmoxApi } = await import('proxmox-api');
    const before = process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    // The console's certificate is self-signed, as Proxmox's is out of the box.
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
    try {
      const px = proxmoxApi({ host: '127.0.0.1', port: c.port, tokenID: c.token.tokenid, tokenSecret: c.token.secret });
      const nodes = await px.nodes.$get();
      expect(nodes.map((n) => [n.node, n.status])).toEqual([[NODE, 'online']]);
      const node = px.nodes.$(NODE);
      const vmid = 170;
      const upid = await node.qemu.$post({
        vmid,
        name: 'npm-api',
        memory: '160',
        scsi0: 'local:0.03125',
        net0: 'e1000',
      });
      for (;;) {
        const s = await node.tasks.$(upid).status.$get();
        if (s.status === 'stopped') {
          expect(s.exitstatus).toBe('OK');
          break;
        }
        await new Promise((r) => setTimeout(r, 200));
      }
      const guests = await node.qemu.$get({ full: true });
      expect(guests).toContainEqual(expect.objectContaining({ vmid, name: 'npm-api', status: 'stopped' }));
      const config = await node.qemu.$(vmid).config.$get();
      expect(config).toMatchObject({ name: 'npm-api', memory: 160 });
      expect(config.net0).toMatch(/^e1000=BC:24:11:/);
      const resources = await px.cluster.resources.$get({ type: 'vm' });
      expect(resources).toContainEqual(
        expect.objectContaining({
          id: `qemu/${vmid}`,
          type: 'qemu',
          vmid,
          node: NODE,
          name: 'npm-api',
          status: 'stopped',
          template: 0,
        }),
      );
      const del = await node.qemu.$(vmid).$delete({ purge: true, 'destroy-unreferenced-disks': true });
      expect(del).toMatch(/^UPID:.*:qmdestroy:170:/);
    } finally {
      if (before === undefined) delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
      else process.env.NODE_TLS_REJECT_UNAUTHORIZED = before;
    }
  });
});
