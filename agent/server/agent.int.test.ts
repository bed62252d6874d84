import { createReadStream } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentFor, type AgentClient } from '../../server/agent-client/client';
import { pinnedRequest } from '../../server/agent-client/pinned-https';
import { openConsoleSocket } from '../../server/agent-client/console-socket';
import { AppError } from '../../server/errors';
import { agentConsoleRoute } from '../contract/console';
import { agentRoutes } from '../contract/routes';
import { parseUpid } from '../contract/tasks';
import { buildTestImage, SerialReader, type TestImage } from '../drivers/qemu/test-helpers';
import { isAlive, readPidFile } from '../drivers/qemu/proc';
import { createAgent, type Agent } from './agent';
import { issueLocalNodeToken } from './auth';

let image: TestImage;
let dataDir: string;
let agent: Agent;
let token: string;
let fingerprint: string;
let client: AgentClient;

const NOACPI_VMID = 4100;
const ISO_VMID = 4101;
const ISO = 'horcrux-test.iso';

function connect(a: Agent): AgentClient {
  return agentFor({ name: 'inttest', url: a.url, fingerprint, token }, { user: 'alice@pve' });
}

/** The AppError a promise rejects with. */
async function refusal(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('expected a refusal, got success');
}

async function files(dir: string): Promise<string[]> {
  return readdir(dir, { recursive: true }).catch(() => []);
}

beforeAll(async () => {
  image = await buildTestImage();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'hx-agent-'));
  agent = await createAgent({
    dataDir,
    port: 0,
    host: '127.0.0.1',
    driver: 'qemu',
    nodeName: 'inttest',
    log: () => undefined,
  });
  ({ token, fingerprint } = await issueLocalNodeToken(dataDir));
  client = connect(agent);
  // An operator puts kernels for direct boot into the storage's snippets directory.
  const snippets = path.join(dataDir, 'storage/local/snippets');
  await copyFile(image.kernel, path.join(snippets, 'vmlinuz'));
  await copyFile(image.initrd, path.join(snippets, 'initrd.gz'));
});

afterAll(async () => {
  await agent?.close();
  const run = path.join(dataDir, 'run');
  for (const name of (await readdir(run).catch(() => [])).filter((n) => n.endsWith('.pid'))) {
    const pid = await readPidFile(path.join(run, name));
    if (pid !== null && (await isAlive(pid))) process.kill(pid, 'SIGKILL');
  }
  await rm(dataDir, { recursive: true, force: true });
});

describe('authentication', () => {
  const create = (authorization?: string) =>
    pinnedRequest({
      url: `${agent.url}/api/v1/guests`,
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
      body: Buffer.from(JSON.stringify({ vmid: 4999, name: 'intruder', disks: [{ slot: 'scsi0', sizeMiB: 16 }] })),
      fingerprint,
      timeoutMs: 10_000,
    });

  it('answers 401 without a token or with a wrong one, and does nothing', async () => {
    for (const auth of [undefined, 'Bearer wrong-token', `Basic ${token}`, `Bearer ${token}x`]) {
      const res = await create(auth);
      expect(res.status).toBe(401);
      expect(JSON.parse(res.body.toString()).error.code).toBe('UNAUTHENTICATED');
    }
    expect(await files(path.join(dataDir, 'guests'))).toEqual([]);
    expect(await files(path.join(dataDir, 'storage/local/images'))).toEqual([]);
    expect((await readdir(path.join(dataDir, 'run'))).filter((f) => f.endsWith('.pid'))).toEqual([]);
  });

  it('every route of the contract refuses a request without the node token', async () => {
    const sample: Record<string, string> = {
      vmid: '4999',
      action: 'start',
      storage: 'local',
      volid: 'local:iso/x.iso',
      filename: 'x.iso',
      upid: 'UPID:n:00000001:00000001:00000001:qmstart:4999:root@pam:',
    };
    const routes = Object.entries(agentRoutes);
    expect(routes.length).toBeGreaterThanOrEqual(15);
    for (const [name, def] of routes) {
      const url = `${agent.url}${def.path.replace(/:(\w+)/g, (_, k: string) => encodeURIComponent(sample[k] ?? 'x'))}`;
      const res = await pinnedRequest({ url, method: def.method, headers: {}, fingerprint, timeoutMs: 10_000 });
      expect(res.status, `${name}: ${def.method} ${def.path}`).toBe(401);
    }
  });

  it('the console websockets refuse an upgrade without the node token, or with a wrong one', async () => {
    for (const kind of ['vnc', 'serial'] as const) {
      for (const bad of ['', 'not-the-token']) {
        const e = await refusal(
          openConsoleSocket({ name: 'inttest', url: agent.url, fingerprint, token: bad }, 4999, kind),
        );
        expect(e.code, `${agentConsoleRoute.path} (${kind})`).toBe('AGENT_UNREACHABLE');
        expect(e.message).toMatch(/refused the console's node token/);
      }
      // A plain request (no upgrade) to the same path is refused too.
      const res = await pinnedRequest({
        url: `${agent.url}${agentConsoleRoute.path.replace(':vmid', '4999').replace(':kind', kind)}`,
        method: 'GET',
        fingerprint,
        timeoutMs: 10_000,
      });
      expect(res.status).toBe(401);
    }
    // With the token, an unknown guest is a 404, not a connection.
    const e = await refusal(openConsoleSocket({ name: 'inttest', url: agent.url, fingerprint, token }, 4999, 'vnc'));
    expect(e.code).toBe('NOT_FOUND');
  });

  it('refuses everything before the agent has joined', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'hx-agent-unjoined-'));
    const fresh = await createAgent({
      dataDir: dir,
      port: 0,
      host: '127.0.0.1',
      nodeName: 'fresh',
      log: () => undefined,
    });
    try {
      const res = await pinnedRequest({
        url: `${fresh.url}/api/v1/node/status`,
        method: 'GET',
        fingerprint: fresh.fingerprint,
        timeoutMs: 10_000,
      });
      expect(res.status).toBe(401);
      expect(JSON.parse(res.body.toString()).error.message).toMatch(/not joined/);
    } finally {
      await fresh.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('the client refuses an agent whose certificate is not the pinned one', async () => {
    const wrong = agentFor({
      name: 'pve2',
      url: agent.url,
      fingerprint: fingerprint.replace(/^../, fingerprint.startsWith('00') ? '11' : '00'),
      token,
    });
    const e = await refusal(wrong.nodeStatus());
    expect(e.code).toBe('AGENT_UNREACHABLE');
    expect(e.message).toMatch(/different certificate/);
  });

  it('the client says how to fix an agent that does not answer', async () => {
    const gone = agentFor({ name: 'pve2', url: 'https://127.0.0.1:1', fingerprint, token });
    const e = await refusal(gone.nodeStatus());
    expect(e.code).toBe('AGENT_UNREACHABLE');
    expect(e.message).toBe(
      'node pve2 is not reachable at https://127.0.0.1:1 (connect ECONNREFUSED); check that `npm run agent` is running there',
    );
  });
});

describe('node', () => {
  it('reports host facts, the QEMU version and the accelerator', async () => {
    const s = await client.nodeStatus();
    expect(s.name).toBe('inttest');
    expect(s.driver).toBe('qemu');
    expect(s.qemuVersion).toMatch(/^\d+\.\d+/);
    expect(s.cpu.count).toBe(os.cpus().length);
    expect(s.memory.totalBytes).toBe(os.totalmem());
    expect(s.kernel).toBe(os.release());
    expect(['kvm', 'tcg']).toContain(s.kvm.accel);
  });
});

describe('storage', () => {
  it('streams an ISO upload to the local storage and lists it', async () => {
    const size = (await stat(image.iso)).size;
    const { volume } = await client.uploadIso('local', ISO, createReadStream(image.iso), size);
    expect(volume).toMatchObject({ volid: `local:iso/${ISO}`, content: 'iso', sizeBytes: size });
    const { volumes } = await client.listVolumes('local', 'iso');
    expect(volumes.map((v) => v.volid)).toContain(`local:iso/${ISO}`);
    const again = await refusal(client.uploadIso('local', ISO, createReadStream(image.iso), size));
    expect(again.code).toBe('CONFLICT');
  });

  it('refuses ISO names with a path, or that are not .iso', async () => {
    for (const name of ['../evil.iso', 'a/b.iso', 'notes.txt', '.hidden.iso']) {
      const e = await refusal(
        client.uploadIso('local', name, createReadStream(image.iso), (await stat(image.iso)).size),
      );
      expect(e.code).toBe('INVALID_INPUT');
      expect(e.field).toBe('filename');
    }
    expect((await files(path.join(dataDir, 'storage/local/template/iso'))).sort()).toEqual([ISO]);
  });
});

describe('bad input is refused naming the field, and creates nothing', () => {
  const base = { vmid: 4200, name: 'ok', memoryMiB: 128, disks: [{ slot: 'scsi0' as const, sizeMiB: 16 }] };
  const cases: [string, Record<string, unknown>, string][] = [
    ['a name with ;', { name: 'a;reboot' }, 'name'],
    ['a vmid below 100', { vmid: 99 }, 'vmid'],
    ['a CD-ROM volume with ../', { cdrom: { volume: 'local:iso/../x.iso' } }, 'cdrom.volume'],
    ['an ISO that is not on the storage', { cdrom: { volume: 'local:iso/missing.iso' } }, 'cdrom.volume'],
    ['a kernel volume outside the storage', { kernel: { volume: '../x' } }, 'kernel.volume'],
    ['more memory than the node has', { memoryMiB: Math.ceil(os.totalmem() / 1024 / 1024) + 1024 }, 'memoryMiB'],
    ['a disk larger than the free space', { disks: [{ slot: 'scsi0', sizeMiB: 60 * 1024 * 1024 }] }, 'disks.0.sizeMiB'],
    ['a disk on an unknown storage', { disks: [{ slot: 'scsi0', sizeMiB: 16, storage: 'nas' }] }, 'disks.0.storage'],
    ['a boot device the guest lacks', { boot: ['virtio3'] }, 'boot.0'],
  ];
  it.each(cases)('%s', async (_, change, field) => {
    const e = await refusal(client.createGuest({ ...base, ...change }));
    expect(['INVALID_INPUT', 'NOT_FOUND']).toContain(e.code);
    expect(e.field).toBe(field);
    expect(e.message).toContain(field);
    expect(await files(path.join(dataDir, 'guests'))).toEqual([]);
    expect(await files(path.join(dataDir, 'storage/local/images'))).toEqual([]);
  });
});

describe('a guest without ACPI (direct kernel boot, horcrux.noacpi)', () => {
  const vmid = NOACPI_VMID;
  let diskVolid: string;
  let firstPid: number | null;

  it('is created as a task: disk volume, config, UPID of the caller', async () => {
    const { upid } = await client.createGuest({
      vmid,
      name: 'noacpi',
      memoryMiB: 128,
      disks: [{ slot: 'virtio0', sizeMiB: 64, format: 'qcow2' }],
      kernel: {
        volume: 'local:snippets/vmlinuz',
        initrd: 'local:snippets/initrd.gz',
        cmdline: 'console=ttyS0 horcrux.noacpi',
      },
      nics: [],
    });
    expect(parseUpid(upid)).toMatchObject({
      node: 'inttest',
      type: 'qmcreate',
      id: String(vmid),
      user: 'alice@pve',
      pid: process.pid,
    });
    expect((await client.waitForTask(upid)).exitStatus).toBe('OK');
    const guest = await client.getGuest(vmid);
    expect(guest.runtime.state).toBe('stopped');
    expect(guest.config.disks).toHaveLength(1);
    diskVolid = guest.config.disks[0]!.volume;
    expect(diskVolid).toBe(`local:${vmid}/vm-${vmid}-disk-0.qcow2`);
    const { volumes } = await client.listVolumes('local', 'images');
    expect(volumes.find((v) => v.volid === diskVolid)).toMatchObject({
      format: 'qcow2',
      sizeBytes: 64 * 1024 * 1024,
      vmid,
    });
  });

  it('refuses a second guest with the same vmid', async () => {
    const e = await refusal(client.createGuest({ vmid, name: 'twin', memoryMiB: 128 }));
    expect(e.code).toBe('CONFLICT');
    expect(e.field).toBe('vmid');
  });

  it('grows a disk of the stopped guest, and never shrinks it', async () => {
    expect(
      (await client.waitForTask((await client.resizeDisk(vmid, { slot: 'virtio0', sizeMiB: 96 })).upid)).exitStatus,
    ).toBe('OK');
    const { volumes } = await client.listVolumes('local', 'images');
    expect(volumes.find((v) => v.volid === diskVolid)?.sizeBytes).toBe(96 * 1024 * 1024);
    const e = await refusal(client.resizeDisk(vmid, { slot: 'virtio0', sizeMiB: 32 }));
    expect(e.field).toBe('sizeMiB');
  });

  it('starts: the task ends OK and QMP says running', async () => {
    const { upid } = await client.startGuest(vmid);
    expect((await client.waitForTask(upid, { timeoutMs: 90_000 })).exitStatus).toBe('OK');
    const g = await client.getGuest(vmid);
    expect(g.runtime).toMatchObject({ state: 'running', qmpStatus: 'running' });
    expect(g.lock).toBeNull();
    firstPid = g.runtime.pid;
    expect(firstPid).toBeGreaterThan(0);
  });

  it('keeps a config change made while running as pending', async () => {
    await client.waitForTask((await client.updateGuest(vmid, { cores: 2 })).upid);
    const g = await client.getGuest(vmid);
    expect(g.config.cores).toBe(1);
    expect(g.pending).toEqual({ cores: 2 });
  });

  it('refuses a second action while a task holds the guest, naming that task', async () => {
    const first = await client.shutdownGuest(vmid, { timeoutSeconds: 3, forceStop: true });
    const e = await refusal(client.stopGuest(vmid));
    expect(e.code).toBe('VM_LOCKED');
    expect(e.message).toContain(first.upid);
    const busy = await client.getGuest(vmid);
    expect(busy.lock).toBe(first.upid);

    // The guest ignores the power button: the task stops it hard after the timeout.
    const done = await client.waitForTask(first.upid, { timeoutMs: 60_000 });
    expect(done.exitStatus).toBe('WARNINGS: 1');
    const log = await client.taskLog(first.upid);
    expect(log.running).toBe(false);
    expect(log.lines.map((l) => l.t).join('\n')).toMatch(/did not power off within 3 s/);
    expect(log.lines[0]!.t).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
    const tail = await client.taskLog(first.upid, { start: log.total - 1 });
    expect(tail.lines).toHaveLength(1);
    expect(tail.lines[0]!.n).toBe(log.total);
    expect((await client.getGuest(vmid)).runtime.state).toBe('stopped');
  });

  it('starts again with the pending change applied', async () => {
    expect((await client.waitForTask((await client.startGuest(vmid)).upid, { timeoutMs: 90_000 })).exitStatus).toBe(
      'OK',
    );
    const g = await client.getGuest(vmid);
    expect(g.runtime.state).toBe('running');
    expect(g.config.cores).toBe(2);
    expect(g.pending).toBeNull();
  });

  it('refuses to delete a running guest without force', async () => {
    const e = await refusal(client.deleteGuest(vmid));
    expect(e.code).toBe('CONFLICT');
    expect(e.message).toMatch(/running/);
  });

  it('survives an agent restart: the new agent lists the guest running, same process', async () => {
    const before = (await client.getGuest(vmid)).runtime.pid;
    await agent.close();
    agent = await createAgent({
      dataDir,
      port: 0,
      host: '127.0.0.1',
      driver: 'qemu',
      nodeName: 'inttest',
      log: () => undefined,
    });
    client = connect(agent);
    const { guests } = await client.listGuests();
    const g = guests.find((x) => x.vmid === vmid);
    expect(g?.runtime).toMatchObject({ state: 'running', qmpStatus: 'running', pid: before });
    const tasks = await client.listTasks({ vmid });
    expect(tasks.tasks.map((t) => t.type)).toEqual(
      expect.arrayContaining(['qmcreate', 'qmstart', 'qmshutdown', 'qmconfig', 'resize']),
    );
  });

  it('pauses, resumes, resets and reboots through tasks, as QMP reports', async () => {
    expect((await client.waitForTask((await client.pauseGuest(vmid)).upid)).exitStatus).toBe('OK');
    expect((await client.getGuest(vmid)).runtime).toMatchObject({ state: 'paused', qmpStatus: 'paused' });
    expect((await client.waitForTask((await client.resumeGuest(vmid)).upid)).exitStatus).toBe('OK');
    expect((await client.getGuest(vmid)).runtime).toMatchObject({ state: 'running', qmpStatus: 'running' });
    const pid = (await client.getGuest(vmid)).runtime.pid;
    expect((await client.waitForTask((await client.resetGuest(vmid)).upid)).exitStatus).toBe('OK');
    expect((await client.getGuest(vmid)).runtime.pid).toBe(pid);
    // Reboot: the guest ignores ACPI, so it is stopped after the timeout and started as a new process.
    await client.waitForTask((await client.updateGuest(vmid, { memoryMiB: 144 })).upid);
    expect(
      (await client.waitForTask((await client.rebootGuest(vmid, { timeoutSeconds: 1 })).upid, { timeoutMs: 90_000 }))
        .exitStatus,
    ).toBe('OK');
    const after = await client.getGuest(vmid);
    expect(after.runtime.state).toBe('running');
    expect(after.runtime.pid).not.toBe(pid);
    expect(after.config.memoryMiB).toBe(144);
    expect(after.pending).toBeNull();
  });

  it('stops, then is deleted with its volumes', async () => {
    expect((await client.waitForTask((await client.stopGuest(vmid)).upid)).exitStatus).toBe('OK');
    expect((await client.getGuest(vmid)).runtime.state).toBe('stopped');
    expect((await client.waitForTask((await client.deleteGuest(vmid)).upid)).exitStatus).toBe('OK');
    const e = await refusal(client.getGuest(vmid));
    expect(e.code).toBe('NOT_FOUND');
    const { volumes } = await client.listVolumes('local', 'images');
    expect(volumes.filter((v) => v.vmid === vmid)).toEqual([]);
    expect(await files(path.join(dataDir, 'storage/local/images'))).toEqual([]);
  });
});

describe('a guest booted from the uploaded ISO', () => {
  const vmid = ISO_VMID;

  it('boots from the CD-ROM and powers off on an ACPI shutdown', async () => {
    const created = await client.createGuest({
      vmid,
      name: 'iso-guest',
      memoryMiB: 160,
      disks: [{ slot: 'scsi0', sizeMiB: 32, format: 'raw' }],
      cdrom: { volume: `local:iso/${ISO}` },
      boot: ['ide2', 'scsi0'],
    });
    expect((await client.waitForTask(created.upid)).exitStatus).toBe('OK');
    const inUse = await refusal(client.deleteVolume('local', `local:iso/${ISO}`));
    expect(inUse.code).toBe('CONFLICT');

    expect((await client.waitForTask((await client.startGuest(vmid)).upid, { timeoutMs: 90_000 })).exitStatus).toBe(
      'OK',
    );
    const serial = await SerialReader.connect(path.join(agent.runDir, `${vmid}.serial`));
    try {
      await serial.waitFor(/HORCRUX-TEST-GUEST READY/, 90_000);
    } finally {
      serial.close();
    }
    const { upid } = await client.shutdownGuest(vmid, { timeoutSeconds: 60 });
    expect((await client.waitForTask(upid, { timeoutMs: 90_000 })).exitStatus).toBe('OK');
    expect((await client.getGuest(vmid)).runtime).toMatchObject({ state: 'stopped', reason: null });

    expect((await client.waitForTask((await client.deleteGuest(vmid)).upid)).exitStatus).toBe('OK');
    expect((await client.listVolumes('local', 'images')).volumes).toEqual([]);
    // The ISO is not the guest's: it stays.
    expect((await client.listVolumes('local', 'iso')).volumes.map((v) => v.volid)).toEqual([`local:iso/${ISO}`]);
  });
});

describe("host failures end the task with the tool's message and leave nothing half-made", () => {
  it('a QEMU that refuses to start: ERROR with its own words', async () => {
    const vmid = 4102;
    await client.waitForTask(
      (
        await client.createGuest({
          vmid,
          name: 'broken',
          memoryMiB: 128,
          disks: [{ slot: 'scsi0', sizeMiB: 16 }],
          nics: [],
        })
      ).upid,
    );
    // Damage the image behind the storage's back.
    await writeFile(path.join(dataDir, `storage/local/images/${vmid}/vm-${vmid}-disk-0.qcow2`), 'not an image');
    const e = await refusal(client.waitForTask((await client.startGuest(vmid)).upid, { timeoutMs: 90_000 }));
    expect(e.code).toBe('TASK_FAILED');
    expect(e.message).toMatch(/qcow2|Image is not in|format/i);
    expect((await client.getGuest(vmid)).runtime.state).toBe('stopped');
    await client.waitForTask((await client.deleteGuest(vmid)).upid);
  });

  it('a create that fails after making its disks removes them again', async () => {
    const vmid = 4103;
    // The config cannot be written: its temporary file's name is taken by a directory.
    await mkdir(path.join(dataDir, `guests/${vmid}.json.tmp`));
    try {
      const { upid } = await client.createGuest({
        vmid,
        name: 'undone',
        memoryMiB: 128,
        disks: [
          { slot: 'scsi0', sizeMiB: 16 },
          { slot: 'scsi1', sizeMiB: 16, format: 'raw' },
        ],
      });
      const e = await refusal(client.waitForTask(upid));
      expect(e.code).toBe('TASK_FAILED');
      const log = (await client.taskLog(upid)).lines.map((l) => l.t).join('\n');
      expect(log).toMatch(/removed local:4103\/vm-4103-disk-1\.raw/);
      expect(log).toMatch(/removed local:4103\/vm-4103-disk-0\.qcow2/);
      expect(await files(path.join(dataDir, 'storage/local/images'))).toEqual([]);
      expect(await refusal(client.getGuest(vmid))).toMatchObject({ code: 'NOT_FOUND' });
    } finally {
      await rm(path.join(dataDir, `guests/${vmid}.json.tmp`), { recursive: true, force: true });
    }
  });

  it('a guest whose QEMU was killed is listed stopped, with the reason', async () => {
    const vmid = 4104;
    await client.waitForTask(
      (
        await client.createGuest({
          vmid,
          name: 'victim',
          memoryMiB: 128,
          nics: [],
          kernel: { volume: 'local:snippets/vmlinuz', initrd: 'local:snippets/initrd.gz', cmdline: 'console=ttyS0' },
        })
      ).upid,
    );
    await client.waitForTask((await client.startGuest(vmid)).upid, { timeoutMs: 90_000 });
    const pid = (await client.getGuest(vmid)).runtime.pid!;
    process.kill(pid, 'SIGKILL');
    await expect.poll(async () => (await client.getGuest(vmid)).runtime.state, { timeout: 10_000 }).toBe('stopped');
    expect((await client.getGuest(vmid)).runtime.reason).toMatch(new RegExp(`QEMU \\(pid ${pid}\\) exited`));
    // It starts again from that state.
    await client.waitForTask((await client.startGuest(vmid)).upid, { timeoutMs: 90_000 });
    await client.waitForTask((await client.stopGuest(vmid)).upid);
    await client.waitForTask((await client.deleteGuest(vmid)).upid);
  });
});
