import { describe, expect, it } from 'vitest';
import {
  parseDiskstats,
  parseMeminfo,
  parseNetDev,
  parsePidCpuTicks,
  parsePressure,
  parseProcStat,
  parseRss,
} from './procfs';

// Recorded from this host's /proc (Linux 6.1).
describe('/proc parsers', () => {
  it('/proc/stat: total and idle (+iowait) jiffies, guest time not counted twice', () => {
    expect(parseProcStat('cpu  1176954 16917 393634 418457 7958 0 5975 0 100 0\ncpu0 1 2 3 4 5 6 7 8 9 10\n')).toEqual({
      total: 1176954 + 16917 + 393634 + 418457 + 7958 + 0 + 5975 + 0,
      idle: 418457 + 7958,
    });
    expect(parseProcStat('nothing')).toBeNull();
  });

  it('/proc/meminfo: used is total minus available; swap', () => {
    const m = parseMeminfo(
      'MemTotal:       24683620 kB\nMemFree:  100 kB\nMemAvailable:   24219560 kB\nSwapTotal:       1000 kB\nSwapFree:         250 kB\n',
    );
    expect(m).toEqual({
      memTotal: 24683620 * 1024,
      memUsed: (24683620 - 24219560) * 1024,
      swapTotal: 1000 * 1024,
      swapUsed: 750 * 1024,
    });
  });

  it('/proc/net/dev: sums the node interfaces, not loopback or guest taps', () => {
    const text = [
      'Inter-|   Receive                                                |  Transmit',
      ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
      '    lo: 773199893  425182    0    0    0     0          0         0 773199893  425182    0    0    0     0       0          0',
      '  eth0: 1000 10 0 0 0 0 0 0 2000 20 0 0 0 0 0 0',
      'tap100i0: 5 1 0 0 0 0 0 0 7 1 0 0 0 0 0 0',
      ' vmbr0: 300 3 0 0 0 0 0 0 400 4 0 0 0 0 0 0',
    ].join('\n');
    expect(parseNetDev(text)).toEqual({ rx: 1300, tx: 2400 });
  });

  it('/proc/diskstats: whole disks only, in bytes', () => {
    const text = [
      '   7       0 loop0 10 0 80 0 0 0 0 0 0 0 0 0 0 0 0 0 0',
      ' 254       0 vda 5000 10 200 300 600 20 400 500 0 0 0 0 0 0 0 0 0',
      ' 254       1 vda1 4000 10 150 300 500 20 300 500 0 0 0 0 0 0 0 0 0',
      ' 252       0 zram0 1 0 8 0 1 0 8 0 0 0 0 0 0 0 0 0 0',
      ' 259       0 nvme0n1 1 0 16 0 1 0 32 0 0 0 0 0 0 0 0 0 0',
    ].join('\n');
    expect(parseDiskstats(text)).toEqual({ read: (200 + 16) * 512, written: (400 + 32) * 512 });
  });

  it('/proc/pressure: some avg10', () => {
    expect(
      parsePressure(
        'some avg10=2.41 avg60=5.04 avg300=17.06 total=5494721679\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n',
      ),
    ).toBe(2.41);
    expect(parsePressure('')).toBeNull();
  });

  it('/proc/<pid>/stat and status: CPU ticks (a command name with spaces and parentheses) and RSS', () => {
    const stat = '1050 (qemu (x) y) S 1 1049 1049 0 -1 138412160 22 0 0 0 350 52 0 0 20 0 6 0 1000 0 0';
    expect(parsePidCpuTicks(stat)).toBe(402);
    expect(parseRss('Name:\tqemu\nVmRSS:\t  123456 kB\n')).toBe(123456 * 1024);
  });
});
