import { expect, test } from '@playwright/test';
import { signInAsAdmin, trpc, unique } from './helpers';

test.describe.configure({ mode: 'serial' });

let vmid = 0;

test('Datacenter → Nodes: removing a node that holds a guest is refused, naming the guest; the node stays', async ({
  page,
}) => {
  await signInAsAdmin(page);
  const nodes = await trpc(page.request, 'node.list', undefined, 'GET');
  const node = (nodes.body.result!.data.json as { name: string }[])[0]!.name;
  // An id far from the ones other specs get from vm.nextId: their task rows (qmdestroy 100 …) stay unique.
  vmid = 900_000 + Math.floor(Math.random() * 90_000);
  const created = await trpc(page.request, 'vm.create', { node, vmid, name: unique('held-'), memoryMiB: 64, nics: [] });
  expect(created.status).toBe(200);
  // The guest row exists as soon as the create task is accepted.

  await page.goto('/datacenter/nodes');
  const table = page.getByRole('table', { name: 'Nodes' });
  await expect(table.getByRole('row', { name: new RegExp(node) })).toBeVisible();
  await page.getByRole('button', { name: `Remove node ${node}` }).click();
  const dialog = page.getByRole('dialog', { name: 'Remove node' });
  await expect(dialog).toContainText(`Remove ${node} from the cluster?`);
  // Online: the "forget its guests" choice is not offered.
  await expect(dialog.getByRole('checkbox')).toHaveCount(0);
  await dialog.getByRole('button', { name: 'Remove', exact: true }).click();
  await expect(dialog.getByRole('alert')).toContainText(`node ${node} still holds guests`);
  await expect(dialog.getByRole('alert')).toContainText(String(vmid));
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();
  await expect(table.getByRole('row', { name: new RegExp(node) })).toBeVisible();
});

test.afterAll(async ({ browser }, testInfo) => {
  if (!vmid) return;
  const page = await browser.newPage({ ignoreHTTPSErrors: true, baseURL: testInfo.project.use.baseURL });
  await signInAsAdmin(page);
  // Refused (409) while the create task still holds the guest's lock.
  await expect
    .poll(async () => (await trpc(page.request, 'vm.delete', { vmid, force: true })).status, { timeout: 60_000 })
    .toBe(200);
  await page.close();
});
