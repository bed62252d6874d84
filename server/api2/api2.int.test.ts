import { readFile } from 'node:fs/promises';
import { buildTestImage } from '@/agent/drivers/qemu/test-helpers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Secret, TOTP } from 'otpauth';
import { confirmTotp, enrolTotp } from '@/server/services/access/tfa';
import { createToken } from '@/server/services/access/tokens';
import { createUser } from '@/server/services/access/users';
import { JSON_TYPE } from './envelope';
import { ENDPOINTS } from './router';
import { api, startApi2Console, type Api2Console, type ApiAnswer } from './testing';

// The protocol as clients see it (envelope, status lines, authentication,
// parameters, errors) and the permission check of every endpoint, against a
// console with a real agent and real QEMU.

const NODE = 'hx-api2p';
let c: Api2Console;
const by = () => ({ actor: { kind: 'ticket' as const, userid: 'admin@local' }, ip: '127.0.0.1' });
const tokenHeader = (t: { tokenid: string; secret: string }) => ({
  authorization: `PVEAPIToken=${t.tokenid}=${t.secret}`,
});
let admin: Record<string, string>;

async function login(username: string, password: string): Promise<ApiAnswer> {
  return api(c, 'POST', '/access/ticket', { body: { username, password } });
}

async function waitTask(upid: string): Promise<Record<string, unknown>> {
  for (;;) {
    const r = await api(c, 'GET', `/nodes/${NODE}/tasks/${encodeURIComponent(upid)}/status`, { headers: admin });
    const s = r.json.data as Record<string, unknown>;
    if (s.status === 'stopped') return s;
    expect(s).not.toHaveProperty('exitstatus');
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  c = await startApi2Console(NODE);
  admin = tokenHeader(c.token);
});
afterAll(async () => {
  await c?.close();
});

describe('authentication', () => {
  it('a failed login is a 401 whose body is {"data":null}', async () => {
    const r = await login('admin@local', 'wrong password');
    expect(r.status).toBe(401);
    expect(r.json).toEqual({ data: null });
    expect(r.headers['content-type']).toBe(JSON_TYPE);
  });

  it('a login without Content-Type (urlencoded) or with JSON answers a ticket, a CSRF token and caps', async () => {
    const body = `username=${encodeURIComponent(c.admin.userid)}&password=${encodeURIComponent(c.admin.password)}`;
    const bare = await api(c, 'POST', '/access/ticket', { body });
    expect(bare.status).toBe(200);
    const data = bare.json.data as Record<string, unknown>;
    expect(data).toMatchObject({
      username: 'admin@local',
      ticket: expect.stringMatching(/^PVE:admin@local:[0-9A-F]{8}::/) as unknown,
    });
    expect(data.CSRFPreventionToken).toMatch(/^[0-9A-F]{8}:\S+$/);
    expect((data.cap as Record<string, Record<string, number>>).vms).toMatchObject({ 'VM.Allocate': 1 });
    expect(bare.json).not.toHaveProperty('errors');

    const json = await api(c, 'POST', '/access/ticket', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', realm: 'local', password: c.admin.password }),
    });
    expect(json.status).toBe(200);
    expect((json.json.data as { username: string }).username).toBe('admin@local');
  });

  it('takes the ticket as cookie or header, wants the CSRF token on writes, and renews it', async () => {
    const { ticket, CSRFPreventionToken } = (await login(c.admin.userid, c.admin.password)).json.data as Record<
      string,
      string
    >;
    const cookie = { cookie: `PVEAuthCookie=${encodeURIComponent(ticket!)}` };
    expect((await api(c, 'GET', '/version', { headers: cookie })).status).toBe(200);
    expect((await api(c, 'GET', '/version', { headers: { authorization: `PVEAuthCookie=${ticket}` } })).status).toBe(
      200,
    );
    expect((await api(c, 'GET', '/version')).status).toBe(401);
    expect(
      (await api(c, 'GET', '/version', { headers: { cookie: 'PVEAuthCookie=PVE:admin@local:00000000::x' } })).status,
    ).toBe(401);

    const noCsrf = await api(c, 'POST', `/nodes/${NODE}/qemu/999/status/start`, { headers: cookie, body: {} });
    expect(noCsrf.status).toBe(401);
    expect(noCsrf.statusText).toBe('Permission denied - invalid csrf token');
    const withCsrf = await api(c, 'POST', `/nodes/${NODE}/qemu/999/status/start`, {
      headers: { ...cookie, CSRFPreventionToken: CSRFPreventionToken! },
      body: {},
    });
    expect(withCsrf.status).toBe(500);
    expect(withCsrf.statusText).toContain('does not exist');

    const renewed = await login(c.admin.userid, ticket!);
    expect(renewed.status).toBe(200);
    expect((await login('other@local', ticket!)).status).toBe(401);
  });

  it('a user with a second factor needs otp with the password (the sign-in rules)', async () => {
    await createUser(c.t.db, by(), { userid: 'tfa@local', password: 'a password 123' });
    const enrol = await enrolTotp(c.t.db, by(), { userid: 'tfa@local', description: 'phone' });
    const app = new TOTP({ secret: Secret.fromBase32(enrol.secret) });
    const { recoveryCodes } = await confirmTotp(c.t.db, by(), {
      userid: 'tfa@local',
      id: enrol.id,
      code: app.generate(),
    });
    const noOtp = await login('tfa@local', 'a password 123');
    expect([noOtp.status, noOtp.json]).toEqual([401, { data: null }]);
    const withOtp = await api(c, 'POST', '/access/ticket', {
      body: { username: 'tfa@local', password: 'a password 123', otp: recoveryCodes[0]! },
    });
    expect(withOtp.status).toBe(200);
    expect((withOtp.json.data as { username: string }).username).toBe('tfa@local');
  });

  it('refuses a bad API token with 401', async () => {
    const r = await api(c, 'GET', '/version', {
      headers: { authorization: `PVEAPIToken=${c.token.tokenid}=00000000-0000-0000-0000-000000000000` },
    });
    expect(r.status).toBe(401);
    expect(r.json).toEqual({ data: null });
  });
});

describe('envelope, paths and parameters', () => {
  it('answers {"data": …} with the JSON content type and no errors key', async () => {
    const r = await api(c, 'GET', '/version', { headers: admin });
    expect(r.status).toBe(200);
    expect(r.statusText).toBe('OK');
    expect(r.headers['content-type']).toBe('application/json;charset=UTF-8');
    expect(r.json).toEqual({
      data: { version: expect.stringMatching(/^8\./) as unknown, release: '8.2', repoid: 'horcrux' },
    });
  });

  it('accepts a trailing slash and percent-encoded segments', async () => {
    expect((await api(c, 'GET', '/nodes/', { headers: admin })).json.data).toEqual([
      expect.objectContaining({ node: NODE, type: 'node' }),
    ]);
    const enc = await api(c, 'GET', `/nodes/${NODE.replace('-', '%2D')}/storage/`, { headers: admin });
    expect(enc.status).toBe(200);
    expect(enc.json.data).toContainEqual(expect.objectContaining({ storage: 'local', type: 'dir' }));
  });

  it('reads GET parameters from the query; nextid is a string and checks a given vmid', async () => {
    expect((await api(c, 'GET', '/cluster/nextid', { headers: admin })).json.data).toBe('100');
    expect((await api(c, 'GET', '/cluster/nextid?vmid=4242', { headers: admin })).json.data).toBe('4242');
    const bad = await api(c, 'GET', '/cluster/nextid?vmid=abc', { headers: admin });
    expect(bad.status).toBe(400);
    expect(bad.statusText).toBe('Parameter verification failed.');
    expect(bad.json).toEqual({ data: null, errors: { vmid: expect.any(String) as unknown } });
    const unknown = await api(c, 'GET', '/cluster/resources?type=vm&bogus=1', { headers: admin });
    expect(unknown.status).toBe(400);
    expect(unknown.json.errors).toHaveProperty('bogus');
  });

  it('unknown paths are 404 and unknown methods 501', async () => {
    expect((await api(c, 'GET', '/nodes/x/lxc', { headers: admin })).status).toBe(404);
    const m = await api(c, 'DELETE', '/version', { headers: admin });
    expect(m.status).toBe(501);
    expect(m.statusText).toBe("Method 'DELETE /version' not implemented");
  });
});

describe('VMs: bad input and state', () => {
  const create = (body: Record<string, string | number>) =>
    api(c, 'POST', `/nodes/${NODE}/qemu`, { headers: admin, body: { vmid: 120, name: 'bad', memory: 160, ...body } });

  it('refuses bad parameters with 400 naming each field, and creates nothing', async () => {
    const cases: [Record<string, string | number>, string, RegExp][] = [
      [{ net0: 'virtio,bridge=vmbr0' }, 'net0', /bridge/],
      [{ net0: 'rtl8139' }, 'net0', /not supported/],
      [{ net0: 'virtio=zz:zz' }, 'net0', /MAC/],
      [{ scsi0: 'local' }, 'scsi0', /STORAGE:SIZE_GiB/],
      [{ ide2: 'local:iso/x.iso' }, 'ide2', /media=cdrom/],
      [{ boot: 'cdn' }, 'boot', /order=/],
      [{ memory: 'lots' }, 'memory', /integer/],
      [{ cores: 0 }, 'cores', /minimum/],
      [{ frobnicate: 1 }, 'frobnicate', /not defined in schema/],
      [{ cpu: 'host' }, 'cpu', /CPU model/],
      [{ onboot: 1 }, 'onboot', /not supported yet/],
    ];
    for (const [body, field, message] of cases) {
      const r = await create(body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.statusText).toBe('Parameter verification failed.');
      expect(r.json.data).toBeNull();
      expect(r.json.errors?.[field], JSON.stringify(r.json)).toMatch(message);
    }
    const missingIso = await create({ ide2: 'local:iso/missing.iso,media=cdrom' });
    expect([400, 500]).toContain(missingIso.status);
    expect(JSON.stringify(missingIso.json) + missingIso.statusText).toMatch(/ide2|missing\.iso/);
    expect(await c.t.db.guest.count()).toBe(0);
  });

  it('unknown vmid or node: the wording clients match, the field named', async () => {
    const vm = await api(c, 'GET', `/nodes/${NODE}/qemu/4242/config`, { headers: admin });
    expect(vm.status).toBe(500);
    expect(vm.statusText).toBe('VM 4242 does not exist');
    const node = await api(c, 'GET', '/nodes/nowhere/qemu', { headers: admin });
    expect(node.status).toBe(400);
    expect(node.json.errors?.node).toMatch(/does not exist/);
  });

  it('a locked guest refuses a change; a running task has no exitstatus; JSON bodies work', async () => {
    const r = await api(c, 'POST', `/nodes/${NODE}/qemu`, {
      headers: { ...admin, 'content-type': 'application/json' },
      body: JSON.stringify({ vmid: 121, name: 'locky', memory: 160, ide2: `${c.iso},media=cdrom`, net0: 'virtio' }),
    });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    expect(await waitTask(r.json.data as string)).toMatchObject({ exitstatus: 'OK' });
    const start = await api(c, 'POST', `/nodes/${NODE}/qemu/121/status/start`, { headers: admin });
    expect(await waitTask(start.json.data as string)).toMatchObject({ exitstatus: 'OK' });
    // The guest is still booting and misses the ACPI press: the shutdown holds the lock until it forces a stop.
    const shutdown = await api(c, 'POST', `/nodes/${NODE}/qemu/121/status/shutdown`, {
      headers: admin,
      body: { forceStop: 1, timeout: 8 },
    });
    const upid = shutdown.json.data as string;
    const running = await api(c, 'GET', `/nodes/${NODE}/tasks/${encodeURIComponent(upid)}/status`, { headers: admin });
    expect(running.json.data).toMatchObject({ status: 'running', type: 'qmshutdown' });
    expect(running.json.data).not.toHaveProperty('exitstatus');
    const locked = await api(c, 'PUT', `/nodes/${NODE}/qemu/121/config`, { headers: admin, body: { memory: 200 } });
    expect(locked.status).toBe(500);
    expect(locked.statusText).toMatch(/locked/);
    expect(await waitTask(upid)).toMatchObject({ status: 'stopped' });
    const cur = await api(c, 'GET', `/nodes/${NODE}/qemu/121/status/current`, { headers: admin });
    expect(cur.json.data).toMatchObject({ status: 'stopped', vmid: 121 });
    const log = await api(c, 'GET', `/nodes/${NODE}/tasks/${encodeURIComponent(upid)}/log`, { headers: admin });
    expect((log.json.data as { n: number; t: string }[]).map((l) => l.n).slice(0, 2)).toEqual([1, 2]);

    // delete= removes options; a NIC restated without a MAC keeps its MAC.
    const before = (await api(c, 'GET', `/nodes/${NODE}/qemu/121/config`, { headers: admin })).json.data as Record<
      string,
      string
    >;
    const put = await api(c, 'PUT', `/nodes/${NODE}/qemu/121/config`, {
      headers: admin,
      body: { delete: 'ide2', net0: 'virtio', tags: 'a;b', description: 'x' },
    });
    expect(put.status).toBe(200);
    expect(put.json).toEqual({ data: null });
    const after = (await api(c, 'GET', `/nodes/${NODE}/qemu/121/config`, { headers: admin })).json.data as Record<
      string,
      string
    >;
    expect(after).not.toHaveProperty('ide2');
    expect(after).toMatchObject({ net0: before.net0, tags: 'a;b', description: 'x' });
    const tasks = await api(c, 'GET', `/nodes/${NODE}/tasks?vmid=121`, { headers: admin });
    expect((tasks.json.data as { type: string }[]).map((t) => t.type)).toEqual(
      expect.arrayContaining(['qmcreate', 'qmstart', 'qmshutdown', 'qmconfig']),
    );
    const del = await api(c, 'DELETE', `/nodes/${NODE}/qemu/121?purge=1`, { headers: admin });
    expect(await waitTask(del.json.data as string)).toMatchObject({ exitstatus: 'OK' });
  });
});

describe('snapshots', () => {
  const vmid = 122;
  const get = async (path: string) => {
    const r = await api(c, 'GET', `/nodes/${NODE}/qemu/${vmid}${path}`, { headers: admin });
    return { status: r.status, statusText: r.statusText, data: r.json.data as Record<string, unknown> };
  };
  const task = async (method: 'POST' | 'PUT' | 'DELETE', path: string, body?: Record<string, string | number>) => {
    const r = await api(c, method, `/nodes/${NODE}/qemu${path}`, { headers: admin, body });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    expect(await waitTask(r.json.data as string)).toMatchObject({ exitstatus: 'OK' });
  };

  it("answers a snapshot's VM config (snapshot/{name}/config and config?snapshot=), and a rollback restores it", async () => {
    await task('POST', '', { vmid, name: 'snapcfg', memory: 160, cores: 1, scsi0: 'local:0.03125', net0: 'virtio' });
    await task('POST', `/${vmid}/snapshot`, { snapname: 'before', description: 'before the change' });
    const put = await api(c, 'PUT', `/nodes/${NODE}/qemu/${vmid}/config`, {
      headers: admin,
      body: { memory: 192, cores: 2 },
    });
    expect(put.status).toBe(200);

    const section = await get('/snapshot/before/config');
    expect(section.status).toBe(200);
    expect(section.data).toMatchObject({
      name: 'snapcfg',
      memory: 160,
      cores: 1,
      scsi0: `local:${vmid}/vm-${vmid}-disk-0.qcow2,size=32M`,
      net0: expect.stringMatching(/^virtio=BC:24:11/) as unknown,
      description: 'before the change',
      snaptime: expect.any(Number) as unknown,
      vmstate: 0,
    });
    expect(section.data).not.toHaveProperty('parent');
    expect(section.data).not.toHaveProperty('digest');

    const now = await get('/config');
    expect(now.data).toMatchObject({ memory: 192, cores: 2 });
    const bySnapshot = await get('/config?snapshot=before');
    expect(bySnapshot.status).toBe(200);
    expect(bySnapshot.data).toEqual({ ...section.data, digest: now.data.digest });
    const none = await get('/config?snapshot=nope');
    expect(none.status).toBe(500);
    expect(none.statusText).toContain('no snapshot named nope');

    await task('POST', `/${vmid}/snapshot/before/rollback`);
    expect((await get('/config')).data).toMatchObject({ memory: 160, cores: 1 });
    await task('DELETE', `/${vmid}`);
  });
});

describe('disks through config', () => {
  const vmid = 123;
  const config = async () =>
    (await api(c, 'GET', `/nodes/${NODE}/qemu/${vmid}/config`, { headers: admin })).json.data as Record<string, string>;
  const put = (body: Record<string, string | number>) =>
    api(c, 'PUT', `/nodes/${NODE}/qemu/${vmid}/config`, { headers: admin, body });
  const volids = async () =>
    (
      (await api(c, 'GET', `/nodes/${NODE}/storage/local/content?content=images`, { headers: admin })).json.data as {
        volid: string;
      }[]
    ).map((v) => v.volid);

  it('scsi1: STORAGE:SIZE adds a disk, delete=scsi1 detaches it and keeps its volume, bad values are 400s', async () => {
    const create = await api(c, 'POST', `/nodes/${NODE}/qemu`, {
      headers: admin,
      body: { vmid, name: 'disks', memory: 64, scsi0: 'local:0.03125', boot: 'order=scsi0' },
    });
    expect(await waitTask(create.json.data as string)).toMatchObject({ exitstatus: 'OK' });
    const volume = `local:${vmid}/vm-${vmid}-disk-1.qcow2`;

    const add = await api(c, 'POST', `/nodes/${NODE}/qemu/${vmid}/config`, {
      headers: admin,
      body: { scsi1: 'local:1' },
    });
    expect(add.status, JSON.stringify(add.json)).toBe(200);
    expect(await waitTask(add.json.data as string)).toMatchObject({ exitstatus: 'OK', type: 'qmconfig' });
    expect(await config()).toMatchObject({ scsi1: `${volume},size=1G`, boot: 'order=scsi0' });

    const detach = await put({ delete: 'scsi1' });
    expect(detach.status, JSON.stringify(detach.json)).toBe(200);
    expect(await config()).not.toHaveProperty('scsi1');
    expect(await volids()).toContain(volume);

    const bad: [Record<string, string>, string, RegExp][] = [
      [{ scsi2: 'local:lots' }, 'scsi2', /STORAGE:SIZE_GiB/],
      [{ scsi2: 'local:1,format=vmdk' }, 'scsi2', /qcow2 or raw/],
      [{ scsi0: 'local:1' }, 'scsi0', /delete=scsi0/],
      [{ scsi2: 'local:60000' }, 'scsi2', /does not fit in storage local/],
      [{ scsi2: 'local:999/vm-999-disk-0.qcow2' }, 'scsi2', /VM 123/],
    ];
    for (const [body, field, message] of bad) {
      const r = await put(body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json.errors?.[field], JSON.stringify(r.json)).toMatch(message);
    }
    expect(await volids()).toEqual(expect.arrayContaining([volume]));
    expect((await volids()).filter((v) => v.startsWith(`local:${vmid}/`))).toHaveLength(2);

    // The detached volume attached again, in another slot.
    expect((await put({ virtio0: volume })).status).toBe(200);
    expect(await config()).toMatchObject({ virtio0: `${volume},size=1G` });

    const del = await api(c, 'DELETE', `/nodes/${NODE}/qemu/${vmid}`, { headers: admin });
    expect(await waitTask(del.json.data as string)).toMatchObject({ exitstatus: 'OK' });
  });
});

describe('cluster config', () => {
  it("DELETE /cluster/config/nodes/{node} refuses a node that holds a guest; the guest's usage shows in the resources", async () => {
    const vmid = 123;
    const created = await api(c, 'POST', `/nodes/${NODE}/qemu`, {
      headers: admin,
      body: { vmid, name: 'keeps-node', memory: 64 },
    });
    expect(await waitTask(created.json.data as string)).toMatchObject({ exitstatus: 'OK' });
    const held = await api(c, 'DELETE', `/cluster/config/nodes/${NODE}`, { headers: admin });
    expect(held.status).toBe(500);
    expect(held.statusText).toContain(`node ${NODE} still holds guests ${vmid}`);
    expect(
      ((await api(c, 'GET', '/nodes', { headers: admin })).json.data as { node: string }[]).map((n) => n.node),
    ).toEqual([NODE]);
    // Usage from the newest metrics sample: cpu as a share of the vCPUs, mem in bytes; 0 while stopped.
    const now = Math.floor(Date.now() / 1000);
    const ts = BigInt(now - (now % 10));
    await c.t.db.guestMetric.create({
      data: { tier: 0, slot: Number(ts / 10n) % 360, vmid, ts, n: 2, cpuSum: 1, memSum: 2 * 123_456_789 },
    });
    const usage = async () => {
      const all = (await api(c, 'GET', '/cluster/resources?type=vm', { headers: admin })).json.data as Record<
        string,
        number
      >[];
      const cur = (await api(c, 'GET', `/nodes/${NODE}/qemu/${vmid}/status/current`, { headers: admin })).json
        .data as Record<string, number>;
      const row = all.find((r) => r.vmid === vmid)!;
      return { resources: [row.cpu, row.mem, row.maxcpu], current: [cur.cpu, cur.mem] };
    };
    expect(await usage()).toEqual({ resources: [0, 0, 1], current: [0, 0] });
    await c.t.db.guest.update({ where: { vmid }, data: { status: 'running' } });
    expect(await usage()).toEqual({ resources: [0.5, 123_456_789, 1], current: [0.5, 123_456_789] });
    await c.t.db.guest.update({ where: { vmid }, data: { status: 'stopped' } });

    const unknown = await api(c, 'DELETE', '/cluster/config/nodes/nowhere', { headers: admin });
    expect([unknown.status, unknown.statusText]).toEqual([500, 'no such node: nowhere']);
    const gone = await api(c, 'DELETE', `/nodes/${NODE}/qemu/${vmid}`, { headers: admin });
    expect(await waitTask(gone.json.data as string)).toMatchObject({ exitstatus: 'OK' });
  });
});

describe('storage', () => {
  it('uploads an ISO as multipart and lists it as content', async () => {
    const image = await buildTestImage();
    const bytes = await readFile(image.iso);
    const boundary = '----hx-api2-boundary';
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="content"\r\n\r\niso\r\n`),
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="filename"; filename="uploaded.iso"\r\nContent-Type: application/octet-stream\r\n\r\n`,
      ),
      bytes,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const r = await api(c, 'POST', `/nodes/${NODE}/storage/local/upload`, {
      headers: { ...admin, 'content-type': `multipart/form-data; boundary=${boundary}` },
      body,
    });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    const content = await api(c, 'GET', `/nodes/${NODE}/storage/local/content?content=iso`, { headers: admin });
    expect(content.json.data).toContainEqual(
      expect.objectContaining({ volid: 'local:iso/uploaded.iso', size: bytes.length, format: 'iso' }),
    );
    const one = await api(
      c,
      'GET',
      `/nodes/${NODE}/storage/local/content/${encodeURIComponent('local:iso/uploaded.iso')}`,
      { headers: admin },
    );
    expect(one.json.data).toMatchObject({ size: bytes.length });
    expect((await api(c, 'GET', '/storage', { headers: admin })).json.data).toEqual([
      expect.objectContaining({ storage: 'local', type: 'dir' }),
    ]);
  });
});

describe('access', () => {
  it('lists realms to anyone, users, groups, pools and permissions to the signed-in', async () => {
    expect((await api(c, 'GET', '/access/domains')).json.data).toContainEqual(
      expect.objectContaining({ realm: 'local' }),
    );
    const users = (await api(c, 'GET', '/access/users?full=1', { headers: admin })).json.data as Record<
      string,
      unknown
    >[];
    expect(users).toContainEqual(
      expect.objectContaining({
        userid: 'admin@local',
        enable: 1,
        tokens: [expect.objectContaining({ tokenid: 'ci' })],
      }),
    );
    expect((await api(c, 'GET', '/access/groups', { headers: admin })).status).toBe(200);
    expect((await api(c, 'GET', '/pools', { headers: admin })).status).toBe(200);
    const perms = (await api(c, 'GET', '/access/permissions', { headers: admin })).json.data as Record<
      string,
      Record<string, number>
    >;
    expect(perms['/']).toMatchObject({ 'VM.Allocate': 1, 'Sys.Audit': 1 });
  });
});

/**
 * Proxmox's documented permission of every endpoint (API viewer), as this API
 * declares it. A new endpoint fails here until it is listed.
 */
const PROXMOX_CHECKS: Record<string, string> = {
  'POST /access/ticket': 'public',
  'GET /access/domains': 'public',
  'GET /access/users': 'authenticated',
  'GET /access/users/{userid}': 'user-group User.Modify|Sys.Audit',
  'GET /access/groups': 'authenticated',
  'GET /access/permissions': 'authenticated',
  'GET /version': 'authenticated',
  'GET /nodes': 'authenticated',
  'GET /cluster/resources': 'authenticated',
  'GET /cluster/nextid': 'authenticated',
  // Proxmox: root@pam only; Horcrux asks what its console's Remove asks.
  'DELETE /cluster/config/nodes/{node}': '/ Sys.Modify',
  'GET /storage': 'authenticated',
  'GET /pools': 'authenticated',
  'GET /nodes/{node}/tasks': 'authenticated',
  'GET /nodes/{node}/tasks/{upid}/status': 'authenticated',
  'GET /nodes/{node}/tasks/{upid}/log': 'authenticated',
  'GET /nodes/{node}/storage': 'authenticated',
  'GET /nodes/{node}/storage/{storage}/content': '/storage/{storage} Datastore.Audit|Datastore.AllocateSpace',
  'GET /nodes/{node}/storage/{storage}/content/{volume}': '/storage/{storage} Datastore.Audit|Datastore.AllocateSpace',
  'POST /nodes/{node}/storage/{storage}/upload': '/storage/{storage} Datastore.AllocateTemplate',
  'GET /nodes/{node}/qemu': 'authenticated',
  'POST /nodes/{node}/qemu': '/vms/{vmid} VM.Allocate',
  'GET /nodes/{node}/qemu/{vmid}/config': '/vms/{vmid} VM.Audit',
  'GET /nodes/{node}/qemu/{vmid}/pending': '/vms/{vmid} VM.Audit',
  'PUT /nodes/{node}/qemu/{vmid}/config':
    '/vms/{vmid} VM.Config.Disk|VM.Config.CDROM|VM.Config.CPU|VM.Config.Memory|VM.Config.Network|VM.Config.HWType|VM.Config.Options|VM.Config.Cloudinit',
  'POST /nodes/{node}/qemu/{vmid}/config':
    '/vms/{vmid} VM.Config.Disk|VM.Config.CDROM|VM.Config.CPU|VM.Config.Memory|VM.Config.Network|VM.Config.HWType|VM.Config.Options|VM.Config.Cloudinit',
  'PUT /nodes/{node}/qemu/{vmid}/resize': '/vms/{vmid} VM.Config.Disk',
  'GET /nodes/{node}/qemu/{vmid}/status/current': '/vms/{vmid} VM.Audit',
  'POST /nodes/{node}/qemu/{vmid}/status/start': '/vms/{vmid} VM.PowerMgmt',
  'POST /nodes/{node}/qemu/{vmid}/status/stop': '/vms/{vmid} VM.PowerMgmt',
  'POST /nodes/{node}/qemu/{vmid}/status/shutdown': '/vms/{vmid} VM.PowerMgmt',
  'POST /nodes/{node}/qemu/{vmid}/status/reboot': '/vms/{vmid} VM.PowerMgmt',
  'POST /nodes/{node}/qemu/{vmid}/status/reset': '/vms/{vmid} VM.PowerMgmt',
  'POST /nodes/{node}/qemu/{vmid}/status/suspend': '/vms/{vmid} VM.PowerMgmt',
  'POST /nodes/{node}/qemu/{vmid}/status/resume': '/vms/{vmid} VM.PowerMgmt',
  'DELETE /nodes/{node}/qemu/{vmid}': '/vms/{vmid} VM.Allocate',
  'GET /nodes/{node}/qemu/{vmid}/snapshot': '/vms/{vmid} VM.Audit',
  'POST /nodes/{node}/qemu/{vmid}/snapshot': '/vms/{vmid} VM.Snapshot',
  'GET /nodes/{node}/qemu/{vmid}/snapshot/{snapname}/config': '/vms/{vmid} VM.Audit',
  'PUT /nodes/{node}/qemu/{vmid}/snapshot/{snapname}/config': '/vms/{vmid} VM.Snapshot',
  'DELETE /nodes/{node}/qemu/{vmid}/snapshot/{snapname}': '/vms/{vmid} VM.Snapshot',
  'POST /nodes/{node}/qemu/{vmid}/snapshot/{snapname}/rollback': '/vms/{vmid} VM.Snapshot|VM.Snapshot.Rollback',
};

function declared(e: (typeof ENDPOINTS)[number]): string {
  const a = e.access;
  if (a.kind !== 'check') return a.kind;
  const ch = a.check;
  if (ch.test === 'perm') return `${ch.path} ${ch.privileges.join(ch.any ? '|' : '&')}`;
  if (ch.test === 'user-group') return `user-group ${ch.privileges.join('|')}`;
  return JSON.stringify(ch);
}

describe('every endpoint checks authentication and its privilege', () => {
  const VMID = 999;
  let nobody: Record<string, string>;
  let probe: Record<string, string>;
  let upid = '';
  const fill = (p: string) =>
    p
      .replace('{node}', NODE)
      .replace('{vmid}', String(VMID))
      .replace('{storage}', 'local')
      .replace('{volume}', encodeURIComponent('local:iso/horcrux-test.iso'))
      .replace('{userid}', 'admin@local')
      .replace('{snapname}', 'snap1')
      .replace('{upid}', encodeURIComponent(upid));
  // Bad parameters: past the check they fail validation, so a probe changes nothing.
  const body = (e: (typeof ENDPOINTS)[number]) =>
    e.method === 'POST' || e.method === 'PUT' ? { vmid: VMID, memory: 'abc', bogus: 1 } : undefined;
  const query = (e: (typeof ENDPOINTS)[number]) => (e.method === 'GET' || e.method === 'DELETE' ? '?bogus=1' : '');

  beforeAll(async () => {
    for (const name of ['nobody', 'probe']) {
      await createUser(c.t.db, by(), { userid: `${name}@local`, password: 'a password 123' });
    }
    nobody = tokenHeader(await createToken(c.t.db, by(), { userid: 'nobody@local', name: 'ci', privsep: false }));
    probe = tokenHeader(await createToken(c.t.db, by(), { userid: 'probe@local', name: 'ci', privsep: false }));
    upid = (await c.t.db.task.findFirst({ where: { node: NODE }, select: { upid: true } }))!.upid;
  });

  it("declares exactly Proxmox's documented check for each endpoint", () => {
    const actual = Object.fromEntries(ENDPOINTS.map((e) => [`${e.method} ${e.path}`, declared(e)]));
    expect(actual).toEqual(PROXMOX_CHECKS);
  });

  it('anonymous callers get 401 from every endpoint but the public ones', async () => {
    for (const e of ENDPOINTS) {
      const r = await api(c, e.method, fill(e.path) + query(e), { body: body(e) });
      if (e.access.kind === 'public') expect(r.status, `${e.method} ${e.path}`).not.toBe(401);
      else expect([r.status, r.json], `${e.method} ${e.path}`).toEqual([401, { data: null }]);
    }
  });

  it('a user without privileges gets 403 from every checked endpoint; one with exactly the privilege gets past it', async () => {
    for (const e of ENDPOINTS) {
      if (e.access.kind !== 'check') continue;
      const label = `${e.method} ${e.path}`;
      const denied = await api(c, e.method, fill(e.path) + query(e), { headers: nobody, body: body(e) });
      expect(denied.status, label).toBe(403);
      expect(denied.statusText, label).toMatch(/^Permission check failed/);

      const check = e.access.check;
      const privileges = check.test === 'perm' || check.test === 'user-group' ? check.privileges : [];
      const aclPath = check.test === 'perm' ? fill(check.path) : '/access/groups';
      // `any`: one of them is enough; else all of them.
      const grant =
        check.test === 'user-group' || (check.test === 'perm' && check.any) ? [privileges[0]!] : [...privileges];
      const role = `Probe${Math.random().toString(36).slice(2, 8)}`;
      await c.t.db.aclEntry.deleteMany({ where: { ugid: 'probe@local' } });
      await c.t.db.role.create({ data: { id: role, privileges: grant, builtin: false } });
      await c.t.db.aclEntry.create({
        data: { path: decodeURIComponent(aclPath), ugidType: 'user', ugid: 'probe@local', roleId: role },
      });
      const allowed = await api(c, e.method, fill(e.path) + query(e), { headers: probe, body: body(e) });
      expect([401, 403], `${label}: ${allowed.status} ${allowed.statusText}`).not.toContain(allowed.status);
    }
  });

  it('authenticated endpoints answer a user without privileges with what they may see', async () => {
    const nodes = await api(c, 'GET', '/nodes', { headers: nobody });
    expect(nodes.json.data).toEqual([]);
    expect((await api(c, 'GET', '/cluster/resources', { headers: nobody })).json.data).toEqual([]);
    expect((await api(c, 'GET', `/nodes/${NODE}/qemu`, { headers: nobody })).json.data).toEqual([]);
    expect((await api(c, 'GET', `/nodes/${NODE}/storage`, { headers: nobody })).json.data).toEqual([]);
    expect((await api(c, 'GET', `/nodes/${NODE}/tasks`, { headers: nobody })).json.data).toEqual([]);
    const task = await api(c, 'GET', `/nodes/${NODE}/tasks/${encodeURIComponent(upid)}/status`, { headers: nobody });
    expect(task.status).toBe(500);
    expect(task.statusText).toMatch(/no such task/);
    const users = (await api(c, 'GET', '/access/users', { headers: nobody })).json.data as { userid: string }[];
    expect(users.map((u) => u.userid)).toEqual(['nobody@local']);
  });
});
