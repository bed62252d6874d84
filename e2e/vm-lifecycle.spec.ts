import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { signInAsAdmin, unique } from './helpers';

const root = path.resolve(import.meta.dirname, '..');
const iso = path.join(root, '.cache', 'test-image', 'test.iso');

test.describe.configure({ mode: 'serial' });

test.beforeAll(() => {
  // The tiny bootable test image, built from Debian packages (idempotent).
  execFileSync('bash', [path.join(root, 'scripts', 'build-test-iso.sh')], {
    cwd: root,
    stdio: 'ignore',
    timeout: 600_000,
  });
});

test('this host is a node, online, and an ISO uploads to its local storage', async ({ page }) => {
  await signInAsAdmin(page);
  await page.getByRole('tab', { name: 'Nodes' }).click();
  const nodes = page.getByRole('region', { name: 'Nodes' });
  await expect(nodes.getByRole('cell', { name: 'online' })).toBeVisible({ timeout: 30_000 });
  await nodes.getByRole('link').first().click();
  await expect(page.getByTestId('node-status')).toHaveText('online');
  await expect(page.getByTestId('node-accel')).not.toBeEmpty();

  await page.getByRole('tab', { name: 'Storage' }).click();
  await page.getByLabel('ISO image').setInputFiles(iso);
  await page.getByRole('button', { name: 'Upload' }).click();
  await expect(page.getByRole('cell', { name: 'local:iso/test.iso' })).toBeVisible({ timeout: 30_000 });
});

test('create a VM with the wizard, start it, see it running, stop it, delete it', async ({ page }) => {
  test.setTimeout(240_000);
  const name = unique('e2e-vm-');
  await signInAsAdmin(page);

  await page.getByRole('button', { name: 'Create VM' }).click();
  const wizard = page.getByRole('dialog', { name: 'Create: Virtual Machine' });
  await wizard.getByLabel('Name').fill(name);
  // The wizard suggests the next free id once it has asked the console.
  await expect(wizard.getByLabel('VM ID')).toHaveValue(/^\d{3,}$/);
  const vmid = await wizard.getByLabel('VM ID').inputValue();
  expect(Number(vmid)).toBeGreaterThanOrEqual(100);
  await wizard.getByRole('button', { name: 'Next' }).click();
  await wizard.getByLabel('ISO image').selectOption('local:iso/test.iso');
  await wizard.getByRole('button', { name: 'Next' }).click(); // System
  await wizard.getByRole('button', { name: 'Next' }).click(); // Disks
  await wizard.getByLabel('Disk size (GiB)').fill('0.1');
  await wizard.getByRole('button', { name: 'Next' }).click(); // CPU
  await wizard.getByRole('button', { name: 'Next' }).click(); // Memory
  await wizard.getByLabel('Memory (MiB)').fill('160');
  await wizard.getByRole('button', { name: 'Next' }).click(); // Network
  await wizard.getByRole('button', { name: 'Next' }).click(); // Confirm
  await expect(wizard.getByLabel('Summary')).toContainText(name);
  await wizard.getByRole('button', { name: 'Finish' }).click();

  await expect(page).toHaveURL(new RegExp(`/vms/${vmid}$`));
  await expect(page.getByTestId('vm-status')).toHaveText('stopped', { timeout: 60_000 });
  const tree = page.getByRole('tree', { name: 'Datacenter' });
  await expect(tree.getByRole('treeitem', { name: `${vmid} (${name})` })).toBeVisible({ timeout: 20_000 });

  // Hardware: add a second disk (its task opens in the task viewer), then detach it again.
  await page.getByRole('tab', { name: 'Hardware' }).click();
  await page.getByRole('button', { name: 'Add disk' }).click();
  const addDisk = page.getByRole('dialog', { name: 'Add disk' });
  await addDisk.getByLabel('Slot').selectOption('scsi1');
  await addDisk.getByLabel('Size (GiB)').fill('0.05');
  await addDisk.getByRole('button', { name: 'Add disk' }).click();
  const viewer = page.getByRole('dialog', { name: 'Task viewer' });
  await expect(viewer.getByTestId('task-status')).toHaveText('OK', { timeout: 30_000 });
  await viewer.getByRole('button', { name: 'Close' }).click();
  const hardware = page.getByRole('region', { name: 'Hardware' });
  const disk1 = hardware.getByRole('row', { name: /Hard disk \(scsi1\)/ });
  await expect(disk1).toContainText(`local:${vmid}/vm-${vmid}-disk-1.qcow2`, { timeout: 20_000 });
  await hardware.getByRole('button', { name: 'Detach scsi1' }).click();
  await hardware.getByRole('button', { name: 'Confirm detach scsi1' }).click();
  await expect(viewer.getByTestId('task-status')).toHaveText('OK', { timeout: 30_000 });
  await viewer.getByRole('button', { name: 'Close' }).click();
  await expect(disk1).toHaveCount(0, { timeout: 20_000 });
  await page.getByRole('tab', { name: 'Summary' }).click();

  await page.getByRole('button', { name: 'Start', exact: true }).click();
  await expect(page.getByTestId('vm-status')).toHaveText('running', { timeout: 60_000 });
  await expect(tree.getByRole('treeitem', { name: `${vmid} (${name}), running` })).toBeVisible({ timeout: 20_000 });
  const tasks = page.getByRole('region', { name: 'Tasks' });
  await expect(tasks.getByRole('row', { name: `Task qmstart ${vmid}: OK` })).toBeVisible({ timeout: 20_000 });

  // The task viewer shows the start task's log.
  await tasks.getByRole('row', { name: `Task qmstart ${vmid}: OK` }).click();
  await expect(page.getByRole('dialog', { name: 'Task viewer' }).getByTestId('task-status')).toHaveText('OK');
  await page.getByRole('dialog', { name: 'Task viewer' }).getByRole('button', { name: 'Close' }).click();

  await page.getByRole('button', { name: 'Stop', exact: true }).click();
  await expect(page.getByTestId('vm-status')).toHaveText('stopped', { timeout: 60_000 });
  await expect(tasks.getByRole('row', { name: `Task qmstop ${vmid}: OK` })).toBeVisible({ timeout: 20_000 });

  await page.getByRole('button', { name: 'Delete', exact: true }).click();
  await page.getByRole('button', { name: `Confirm delete of VM ${vmid}` }).click();
  await expect(page).toHaveURL(/\/datacenter$/);
  await expect(tree.getByRole('treeitem', { name: `${vmid} (${name})` })).toHaveCount(0, { timeout: 30_000 });
  await expect(tasks.getByRole('row', { name: `Task qmdestroy ${vmid}: OK` })).toBeVisible({ timeout: 20_000 });
});
