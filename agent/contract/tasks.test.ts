import { describe, expect, it } from 'vitest';
import { formatUpid, parseUpid, ZTaskExitStatus } from './tasks';

describe('UPID', () => {
  it('writes Proxmox shape: upper-case hex, 8 digits, trailing colon', () => {
    const upid = formatUpid({
      node: 'pve1',
      pid: 0x4f37,
      pstart: 0x39e469,
      starttime: 0x5ca78b83,
      type: 'qmstart',
      id: '100',
      user: 'root@pam',
    });
    expect(upid).toBe('UPID:pve1:00004F37:0039E469:5CA78B83:qmstart:100:root@pam:');
    expect(parseUpid(upid)).toEqual({
      node: 'pve1',
      pid: 0x4f37,
      pstart: 0x39e469,
      starttime: 0x5ca78b83,
      type: 'qmstart',
      id: '100',
      user: 'root@pam',
    });
  });

  it('reads a UPID as Proxmox writes it, with an empty id and a 9-digit pstart', () => {
    expect(parseUpid('UPID:node-2:0000ABCD:123456789:64A1B2C3:vzdump::root@pam:')).toMatchObject({
      node: 'node-2',
      id: '',
      pstart: 0x123456789,
    });
  });

  it.each([
    'UPID:pve1:4F37:0039E469:5CA78B83:qmstart:100:root@pam:',
    'UPID:pve1:00004F37:0039E469:5CA78B83:qmstart:100:root@pam',
    'UPID:-x:00004F37:0039E469:5CA78B83:qmstart:100:root@pam:',
    'x',
  ])('refuses %s', (s) => expect(parseUpid(s)).toBeNull());
});

describe('exit status', () => {
  it.each(['OK', 'WARNINGS: 2', 'ERROR: qemu-img exited with status 1: no space'])('accepts %s', (s) =>
    expect(ZTaskExitStatus.safeParse(s).success).toBe(true),
  );
  it.each(['ok', 'WARNINGS', 'ERROR', 'running'])('refuses %s', (s) =>
    expect(ZTaskExitStatus.safeParse(s).success).toBe(false),
  );
});
