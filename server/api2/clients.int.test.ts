import { execFile } from 'node:child_process';
import path from 'node:path';
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
      expect(config.net0).toMatch(/^virtio=BC:24:11(:[0-9A-F]{2}){3}$/);
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
      expect(s.get('start')).toMatchObject({ exitstatus: 'OK', type: 'qmstart' });
      expect(s.get('status-running')).toMatchObject({ status: 'running', vmid, name: `pxr-${vmid}` });
      // Proxmox's wording: the failed task's exit status says it is already running.
      expect((s.get('start-again') as { exitstatus: string }).exitstatus).toContain('already running');
      expect(s.get('stop')).toMatchObject({ exitstatus: 'OK', type: 'qmstop' });
      expect(s.get('status-stopped')).toMatchObject({ status: 'stopped' });
      expect((s.get('log') as { n: number; t: string }[])[0]).toMatchObject({ n: 1, t: expect.any(String) as unknown });
      expect(s.get('delete')).toMatchObject({ exitstatus: 'OK', type: 'qmdestroy' });
      expect(s.get('gone')).toMatchObject({
        status_code: 500,
        message: expect.stringContaining('does not exist') as unknown,
      });
    });
  }
});
