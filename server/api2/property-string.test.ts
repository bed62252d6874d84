import { describe, expect, it } from 'vitest';
import {
  formatPropertyString,
  formatSize,
  parsePropertyString,
  parseSize,
  PropertyStringError,
} from './property-string';

describe('property strings', () => {
  it.each([
    [
      'virtio=BC:24:11:00:00:01,bridge=vmbr0',
      undefined,
      [
        ['virtio', 'BC:24:11:00:00:01'],
        ['bridge', 'vmbr0'],
      ],
    ],
    [
      'virtio,bridge=vmbr0',
      undefined,
      [
        ['virtio', ''],
        ['bridge', 'vmbr0'],
      ],
    ],
    [
      'local:32,format=qcow2',
      'file',
      [
        ['file', 'local:32'],
        ['format', 'qcow2'],
      ],
    ],
    ['order=scsi0;ide2;net0', 'legacy', [['order', 'scsi0;ide2;net0']]],
    [
      ' type = std , memory=16 ',
      'type',
      [
        ['type', 'std'],
        ['memory', '16'],
      ],
    ],
  ])('parses %j', (text, dflt, items) => {
    expect(parsePropertyString(text, dflt).map((i) => [i.key, i.value])).toEqual(items);
  });

  it.each(['', 'a,,b', 'a=1,a=2', '9x=1', '=v'])('refuses %j', (text) => {
    expect(() => parsePropertyString(text)).toThrow(PropertyStringError);
  });

  it('formats with the default key bare', () => {
    expect(
      formatPropertyString(
        [
          { key: 'file', value: 'local:100/vm-100-disk-0.qcow2' },
          { key: 'size', value: '32G' },
        ],
        'file',
      ),
    ).toBe('local:100/vm-100-disk-0.qcow2,size=32G');
    expect(
      formatPropertyString([
        { key: 'virtio', value: 'BC:24:11:00:00:01' },
        { key: 'firewall', value: '0' },
      ]),
    ).toBe('virtio=BC:24:11:00:00:01,firewall=0');
  });

  it.each([
    ['32G', 32 * 1024 ** 3],
    ['512M', 512 * 1024 ** 2],
    ['4K', 4096],
    ['1.5G', 1.5 * 1024 ** 3],
    ['100', 100],
  ])('size %s is %d bytes', (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });

  it('writes sizes with the largest unit that divides them', () => {
    expect(formatSize(32 * 1024 ** 3)).toBe('32G');
    expect(formatSize(1536 * 1024 ** 2)).toBe('1536M');
    expect(formatSize(1024 ** 4)).toBe('1T');
    expect(formatSize(1000)).toBe('1000');
    expect(parseSize('lots')).toBeNull();
  });
});
