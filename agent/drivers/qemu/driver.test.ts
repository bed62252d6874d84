import { describe, expect, it } from 'vitest';
import { DriverError } from '../errors';
import { QemuDriver } from './driver';

describe('QemuDriver construction', () => {
  it('refuses a run directory too long for unix socket paths', () => {
    expect(() => new QemuDriver({ runDir: `/${'r'.repeat(100)}` })).toThrow(DriverError);
    expect(() => new QemuDriver({ runDir: '/run/horcrux/qemu' })).not.toThrow();
  });

  it('validates vmids before building paths', () => {
    const d = new QemuDriver({ runDir: '/run/horcrux/qemu' });
    expect(d.paths(100).qmp).toBe('/run/horcrux/qemu/100.qmp');
    expect(() => d.paths(99)).toThrow(/vmid must be an integer/);
    expect(() => d.paths(1.5)).toThrow(DriverError);
  });
});
