import { expect, test, type Page } from '@playwright/test';
import { expectPixels } from './console-helpers';
import { signIn, signInAsAdmin, trpc, unique } from './helpers';

test.describe.configure({ mode: 'serial' });

const user = { name: unique('vmuser'), password: 'vm user password 1' };
const userid = `${user.name}@local`;
const vms: { mine: number; other: number } = { mine: 0, other: 0 };

async function createVm(page: Page, node: string, name: string): Promise<number> {
  const next = await trpc(page.request, 'vm.nextId', undefined, 'GET');
  const vmid = next.body.result!.data.json as number;
  const res = await trpc(page.request, 'vm.create', {
    node,
    vmid,
    name,
    memoryMiB: 64,
    disks: [{ slot: 'scsi0', storage: 'local', sizeMiB: 16 }],
    nics: [],
  });
  expect(res.status).toBe(200);
  return vmid;
}

test('an administrator gives a user PVEVMUser on one of two VMs', async ({ page }) => {
  await signInAsAdmin(page);
  const nodes = await trpc(page.request, 'node.list', undefined, 'GET');
  const node = (nodes.body.result!.data.json as { name: string }[])[0]!.name;
  vms.mine = await createVm(page, node, unique('mine-'));
  vms.other = await createVm(page, node, unique('other-'));

  await page.getByRole('tab', { name: 'Users', exact: true }).click();
  await page.getByRole('button', { name: 'Add user' }).click();
  const form = page.getByRole('form', { name: 'Add user' });
  await form.getByLabel('User name').fill(user.name);
  await form.getByLabel('Password').fill(user.password);
  await form.getByRole('button', { name: 'Add' }).click();
  await expect(page.getByRole('table', { name: 'Users' }).getByRole('row', { name: new RegExp(userid) })).toBeVisible();

  await page.getByRole('tab', { name: 'Permissions', exact: true }).click();
  await page.getByRole('button', { name: 'Add permission' }).click();
  const grant = page.getByRole('form', { name: 'Add permission' });
  await grant.getByLabel('Path').fill(`/vms/${vms.mine}`);
  await grant.getByLabel('User, group or token').fill(userid);
  await grant.getByLabel('Role').selectOption('PVEVMUser');
  await grant.getByRole('button', { name: 'Add' }).click();
  await expect(
    page.getByRole('table', { name: 'Access control list' }).getByRole('row').filter({ hasText: userid }),
  ).toContainText(`/vms/${vms.mine}`);
});

test('the user sees only her VM, starts it, and cannot delete it', async ({ page }) => {
  test.setTimeout(120_000);
  await signIn(page, user.name, user.password);
  await expect(page).toHaveURL(/\/datacenter$/);
  const tree = page.getByRole('tree', { name: 'Datacenter' });
  await expect(tree.getByRole('treeitem', { name: new RegExp(`^${vms.mine} \\(`) })).toBeVisible({ timeout: 20_000 });
  await expect(tree.getByRole('treeitem', { name: new RegExp(`^${vms.other} \\(`) })).toHaveCount(0);
  expect((await trpc(page.request, 'vm.get', { vmid: vms.other }, 'GET')).status).toBe(403);

  await tree
    .getByRole('treeitem', { name: new RegExp(`^${vms.mine} \\(`) })
    .getByRole('link')
    .click();
  await expect(page.getByTestId('vm-status')).toHaveText('stopped', { timeout: 30_000 });
  await expect(page.getByRole('button', { name: 'Delete', exact: true })).toHaveCount(0);
  await page.getByRole('button', { name: 'Start', exact: true }).click();
  await expect(page.getByTestId('vm-status')).toHaveText('running', { timeout: 60_000 });

  const del = await trpc(page.request, 'vm.delete', { vmid: vms.mine, force: true });
  expect(del.status).toBe(403);
  expect(JSON.stringify(del.body)).toContain('VM.Allocate');
});

test("the user opens her VM's console; a user without VM.Console gets none", async ({ page }) => {
  test.setTimeout(120_000);
  await signIn(page, user.name, user.password);
  await expect(page).toHaveURL(/\/datacenter$/);
  await page.goto(`/vms/${vms.mine}`);
  await page.getByRole('tab', { name: 'Console' }).click();
  // Her guest runs SeaBIOS with nothing to boot: its message is on the screen.
  await expectPixels(page);

  // On the other VM she holds no VM.Console: no ticket, no console.
  const refused = await trpc(page.request, 'console.ticket', { vmid: vms.other, kind: 'vnc' });
  expect(refused.status).toBe(403);
  expect(JSON.stringify(refused.body)).toContain('VM.Console');
  await page.goto(`/vms/${vms.other}/console`);
  await expect(page.getByRole('tab', { name: 'Console' })).toHaveCount(0);
  await expect(page.locator('[data-testid="vnc-screen"]')).toHaveCount(0);
});

test.afterAll(async ({ browser }, testInfo) => {
  // The administrator removes both VMs (forced: the user's one runs).
  const page = await browser.newPage({ ignoreHTTPSErrors: true, baseURL: testInfo.project.use.baseURL });
  await signInAsAdmin(page);
  for (const vmid of [vms.mine, vms.other].filter((v) => v > 0)) {
    // Refused (409) while the create or start task still holds the guest's lock.
    await expect
      .poll(async () => (await trpc(page.request, 'vm.delete', { vmid, force: true })).status, { timeout: 60_000 })
      .toBe(200);
  }
  await page.close();
});
