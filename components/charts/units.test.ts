import { describe, expect, it } from 'vitest';
import { formatTick, formatValue } from './units';

describe('graph units', () => {
  it('formats values with their unit', () => {
    expect(formatValue(1.5, 'cores')).toBe('1.50 CPU');
    expect(formatValue(1536, 'bytesPerSecond')).toBe('1.50 KiB/s');
    expect(formatValue(2 * 1024 ** 3, 'bytes')).toBe('2.00 GiB');
    expect(formatValue(12.345, 'percent')).toBe('12.3 %');
  });
  it('labels the time axis by the span shown', () => {
    const t = new Date(2030, 4, 6, 7, 8).getTime() / 1000;
    expect(formatTick(t, 3600)).toBe('07:08');
    expect(formatTick(t, 7 * 86_400)).toBe('05-06 07h');
    expect(formatTick(t, 365 * 86_400)).toBe('2030-05-06');
  });
});
