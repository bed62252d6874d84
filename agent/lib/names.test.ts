import { describe, expect, it } from 'vitest';
import {
  assertGuestName,
  assertVmid,
  assertVolumeName,
  InvalidNameError,
  isValidGuestName,
  isValidVmid,
  isValidVolumeName,
} from './names';

describe('vmid', () => {
  it.each([100, 101, 9999, 999_999_999])('accepts %d', (v) => expect(isValidVmid(v)).toBe(true));
  it.each([99, 0, -100, 100.5, 1_000_000_000, Number.NaN, '100', null])('refuses %s', (v) =>
    expect(isValidVmid(v)).toBe(false),
  );
  it('names the field', () => {
    expect(() => assertVmid(42, 'target')).toThrow(InvalidNameError);
    try {
      assertVmid(42, 'target');
    } catch (e) {
      expect((e as InvalidNameError).field).toBe('target');
    }
  });
});

describe('guest name', () => {
  it.each(['web', 'web-01', 'a', 'db1.example.com', 'A1', '1abc', 'x'.repeat(63)])('accepts %s', (n) =>
    expect(isValidGuestName(n)).toBe(true),
  );
  it.each([
    '',
    '-web',
    'web-',
    'web_01',
    'web 01',
    'a..b',
    '.a',
    'a.',
    'a/b',
    '../etc',
    'x'.repeat(64),
    `${'a'.repeat(63)}.`.repeat(4) + 'a',
    'web;rm',
    'web$(id)',
    'wéb',
  ])('refuses %s', (n) => expect(isValidGuestName(n)).toBe(false));
  it('returns the name', () => expect(assertGuestName('ok')).toBe('ok'));
});

describe('volume name', () => {
  it.each(['vm-100-disk-0.qcow2', 'base-100-disk-1.raw', 'iso_9660+x.iso', 'A'])('accepts %s', (n) =>
    expect(isValidVolumeName(n)).toBe(true),
  );
  it.each([
    '',
    '.',
    '..',
    'a..b',
    '../x',
    'a/b',
    '/etc/passwd',
    '-o',
    '.hidden',
    'a b',
    'a;b',
    'a|b',
    'a&b',
    'a$b',
    'a`b`',
    "a'b",
    'a"b',
    'a\\b',
    'a\nb',
    'a*b',
    'a?b',
    'a>b',
    'x'.repeat(256),
  ])('refuses %j', (n) => expect(isValidVolumeName(n)).toBe(false));
  it('throws with the field', () => expect(() => assertVolumeName('../x', 'disk')).toThrow(/disk must be/));
});
