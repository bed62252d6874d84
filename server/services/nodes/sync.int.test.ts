import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, type TestDb } from '@/server/testing/test-db';
import { sameJson } from './sync';

describe('the node monitor compares configs as JSON values, not as text', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb('pglite');
    await t.db.node.create({ data: { name: 'alpha', url: 'https://alpha:8007', fingerprint: 'AA', tokenEnc: 'x' } });
  });
  afterAll(() => t.close());

  // In the agent's order; jsonb stores keys shortest first.
  const config = {
    vmid: 100,
    name: 'web',
    memoryMiB: 1024,
    cores: 2,
    sockets: 1,
    machine: 'q35',
    disks: [{ slot: 'scsi0', volume: 'local:100/vm-100-disk-0.qcow2', sizeGiB: 8 }],
    nics: [{ model: 'virtio', mac: 'bc:24:11:00:00:01' }],
    boot: ['scsi0', 'net0'],
    cdrom: null,
  };

  it('a config read back from the database equals the one the agent reported', async () => {
    await t.db.guest.create({ data: { vmid: 100, nodeName: 'alpha', name: 'web', config } });
    const back = (await t.db.guest.findUniqueOrThrow({ where: { vmid: 100 }, select: { config: true } })).config;
    // The reason for the comparison: the text differs, the value does not.
    expect(JSON.stringify(back)).not.toBe(JSON.stringify(config));
    expect(sameJson(back, config)).toBe(true);
    expect(sameJson(back, { ...config, extra: undefined })).toBe(true);
  });

  it('still sees every real change', () => {
    expect(sameJson(config, { ...config, memoryMiB: 2048 })).toBe(false);
    expect(sameJson(config, { ...config, boot: ['net0', 'scsi0'] })).toBe(false);
    expect(sameJson(config, { ...config, disks: [] })).toBe(false);
    expect(sameJson(config, { ...config, cdrom: { volume: 'local:iso/a.iso' } })).toBe(false);
    expect(sameJson(config, { ...config, tags: 'x' })).toBe(false);
    expect(sameJson(null, {})).toBe(false);
    expect(sameJson([1], { 0: 1 })).toBe(false);
  });
});
