import { expect, test, type Page } from '@playwright/test';
import { signInAsAdmin, unique } from './helpers';

// A branching snapshot tree built through the Snapshots tab of a running VM
// (real agent, real QEMU): A (with RAM) → B, rollback to A from the tree, C.

test.describe.configure({ mode: 'serial' });

async function createVm(page: Page, name: string): Promise<string> {
  await page.getByRole('button', { name: 'Create VM' }).click();
  const wizard = page.getByRole('dialog', { name: 'Create: Virtual Machine' });
  await wizard.getByLabel('Name').fill(name);
  await expect(wizard.getByLabel('VM ID')).toHaveValue(/^\d{3,}$/);
  const vmid = await wizard.getByLabel('VM ID').inputValue();
  await wizard.getByRole('button', { name: 'Next' }).click(); // OS: no media
  await wizard.getByRole('button', { name: 'Next' }).click(); // System
  await wizard.getByRole('button', { name: 'Next' }).click(); // Disks
  await wizard.getByLabel('Disk size (GiB)').fill('0.05');
  await wizard.getByRole('button', { name: 'Next' }).click(); // CPU
  await wizard.getByRole('button', { name: 'Next' }).click(); // Memory
  await wizard.getByLabel('Memory (MiB)').fill('64');
  await wizard.getByRole('button', { name: 'Next' }).click(); // Network
  await wizard.getByLabel('Network device').selectOption('none');
  await wizard.getByRole('button', { name: 'Next' }).click(); // Confirm
  await wizard.getByRole('button', { name: 'Finish' }).click();
  await expect(page).toHaveURL(new RegExp(`/vms/${vmid}$`));
  await expect(page.getByTestId('vm-status')).toHaveText('stopped', { timeout: 60_000 });
  return vmid;
}

/** Waits for the task the page opened to end OK, then closes its viewer. */
async function taskOk(page: Page) {
  const viewer = page.getByRole('dialog', { name: 'Task viewer' });
  await expect(viewer.getByTestId('task-status')).toHaveText('OK', { timeout: 60_000 });
  await viewer.getByRole('button', { name: 'Close' }).click();
}

async function takeSnapshot(page: Page, name: string, ram: boolean) {
  await page.getByRole('region', { name: 'Snapshots' }).getByRole('button', { name: 'Take snapshot' }).click();
  const dialog = page.getByRole('dialog', { name: 'Take snapshot' });
  await dialog.getByLabel('Name').fill(name);
  await dialog.getByLabel('Description').fill(`snapshot ${name}`);
  if (!ram) await dialog.getByLabel('Include RAM').uncheck();
  await dialog.getByRole('button', { name: 'Take snapshot' }).click();
  await taskOk(page);
}

test('a branching snapshot tree through the UI: NOW and branches in place, rollback from the tree', async ({
  page,
}) => {
  test.setTimeout(300_000);
  await signInAsAdmin(page);
  const vmid = await createVm(page, unique('e2e-snap-'));
  await page.getByRole('button', { name: 'Start', exact: true }).click();
  await expect(page.getByTestId('vm-status')).toHaveText('running', { timeout: 60_000 });

  await page.getByRole('tab', { name: 'Snapshots' }).click();
  await expect(page).toHaveURL(new RegExp(`/vms/${vmid}/snapshots$`));
  const tree = page.getByRole('group', { name: 'Snapshot tree' });
  await expect(tree.getByRole('button', { name: /^NOW, the running guest, no snapshot yet/ })).toBeVisible();

  // Bad input is refused in the dialog before anything is sent.
  await page.getByRole('region', { name: 'Snapshots' }).getByRole('button', { name: 'Take snapshot' }).click();
  const dialog = page.getByRole('dialog', { name: 'Take snapshot' });
  await dialog.getByLabel('Name').fill('1st try');
  await expect(dialog.getByText('start with a letter')).toBeVisible();
  await expect(dialog.getByRole('button', { name: 'Take snapshot' })).toBeDisabled();
  await dialog.getByRole('button', { name: 'Cancel' }).click();

  await takeSnapshot(page, 'A', true);
  await takeSnapshot(page, 'B', false);
  await expect(tree.getByRole('button', { name: 'NOW, the running guest, after B' })).toBeVisible();

  // Rollback from the tree: select A, roll back, confirm. A holds RAM state: the guest stays running.
  await tree.getByRole('button', { name: /^Snapshot A, a root/ }).click();
  const details = page.getByRole('complementary', { name: 'Details' });
  await expect(details.getByRole('heading', { name: 'A' })).toBeVisible();
  await expect(details).toContainText('snapshot A');
  await details.getByRole('button', { name: 'Rollback to A' }).click();
  await details.getByRole('button', { name: 'Confirm rollback to A' }).click();
  await taskOk(page);
  await expect(tree.getByRole('button', { name: 'NOW, the running guest, after A' })).toBeVisible();
  // The header's actions follow the guest's state: Shutdown is offered while it runs.
  await expect(page.getByRole('button', { name: 'Shutdown', exact: true })).toBeVisible();

  await takeSnapshot(page, 'C', true);

  // The rendered tree: A is a branch point with B and C side by side below it, NOW under C.
  const a = tree.getByRole('button', { name: 'Snapshot A, a root, branch point, with RAM' });
  const b = tree.getByRole('button', { name: 'Snapshot B, child of A' });
  const c = tree.getByRole('button', { name: 'Snapshot C, child of A, with RAM' });
  const now = tree.getByRole('button', { name: 'NOW, the running guest, after C' });
  for (const n of [a, b, c, now]) await expect(n).toBeVisible();
  const [ba, bb, bc, bn] = await Promise.all([a, b, c, now].map((n) => n.boundingBox()));
  expect(bb!.y).toBeCloseTo(bc!.y, 0);
  expect(bb!.y).toBeGreaterThan(ba!.y);
  expect(Math.abs(bb!.x - bc!.x)).toBeGreaterThan(bb!.width / 2);
  expect(bn!.y).toBeGreaterThan(bc!.y);
  expect(bn!.x).toBeCloseTo(bc!.x, 0);
  for (const edge of ['A->B', 'A->C', 'C->:now']) await expect(page.getByTestId(`rf__edge-${edge}`)).toBeAttached();
  await expect(page.getByTestId('rf__edge-B->:now')).toHaveCount(0);

  // Keyboard: from C, ↑ reaches A, Enter selects it.
  await c.focus();
  await page.keyboard.press('ArrowUp');
  await expect(a).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(details.getByRole('heading', { name: 'A' })).toBeVisible();

  // Rollback to B (disks only) from the tree: the guest ends stopped, NOW moves under B.
  await b.click();
  await details.getByRole('button', { name: 'Rollback to B' }).click();
  await details.getByRole('button', { name: 'Confirm rollback to B' }).click();
  await taskOk(page);
  await expect(tree.getByRole('button', { name: 'NOW, the stopped guest, after B' })).toBeVisible({
    timeout: 20_000,
  });
  await expect(page.getByRole('button', { name: 'Start', exact: true })).toBeVisible({ timeout: 20_000 });

  // Clean up.
  await page.getByRole('button', { name: 'Delete', exact: true }).click();
  await page.getByRole('button', { name: `Confirm delete of VM ${vmid}` }).click();
  await expect(page).toHaveURL(/\/datacenter$/, { timeout: 30_000 });
});
