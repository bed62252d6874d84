import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { QemuDriver } from './driver';
import { kvmUsable, probeAccelerator } from './kvm';

describe('accelerator probe (real QEMU)', () => {
  it('boots the firmware of an empty machine under TCG and reads query-kvm', async () => {
    const probe = await probeAccelerator('tcg');
    expect(probe.usable).toBe(true);
    expect(probe.firmwareMs).toBeGreaterThan(0);
    expect(probe.kvm).toEqual({ enabled: false, present: expect.any(Boolean) as boolean });
    console.log(`[figures] TCG probe: SeaBIOS to "No bootable device" in ${probe.firmwareMs} ms`);
  });

  it('answers whether KVM is usable on this host, once, and auto mode follows it', async () => {
    const first = kvmUsable();
    expect(kvmUsable()).toBe(first);
    const probe = await first;
    console.log(`[figures] KVM probe on this host: usable=${probe.usable} (${probe.detail})`);
    if (!existsSync('/dev/kvm')) {
      expect(probe).toMatchObject({ usable: false, kvm: null });
      expect(probe.detail).toMatch(/\/dev\/kvm is not usable \(ENOENT\)/);
    } else if (probe.usable) {
      expect(probe.kvm).toEqual({ enabled: true, present: true });
    }
    const driver = new QemuDriver({ runDir: '/nonexistent-not-used', accel: 'auto' });
    expect(await driver.accelerator()).toBe(probe.usable ? 'kvm' : 'tcg');
    expect((await driver.capabilities()).hardwareAcceleration).toBe(probe.usable);
  });
});
