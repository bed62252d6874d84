import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { CONSOLE_CLOSE } from '@/agent/contract/console';
import { canvasStats, consoleStatus, expectPixels, reuseTicketFromPage } from './console-helpers';
import { signInAsAdmin, trpc, unique } from './helpers';

const root = path.resolve(import.meta.dirname, '..');
const iso = path.join(root, '.cache', 'test-image', 'test.iso');
const ISO_NAME = 'console-test.iso';

test.describe.configure({ mode: 'serial' });

let vmid = 0;

async function adminPage(browser: Browser, baseURL: string | undefined): Promise<Page> {
  const page = await browser.newPage({ ignoreHTTPSErrors: true, baseURL });
  await signInAsAdmin(page);
  return page;
}

// The browser's console errors in the test log: a viewer that fails says why.
test.beforeEach(({ page }) => {
  page.on('console', (m) => {
    if (m.type() === 'error') console.log(`[page] ${m.text()}`);
  });
});

test.beforeAll(async ({ browser }, testInfo) => {
  test.setTimeout(240_000);
  execFileSync('bash', [path.join(root, 'scripts', 'build-test-iso.sh')], { cwd: root, stdio: 'ignore' });
  const page = await adminPage(browser, testInfo.project.use.baseURL);
  const nodes = await trpc(page.request, 'node.list', undefined, 'GET');
  const node = (nodes.body.result!.data.json as { name: string }[])[0]!.name;
  const up = await page.request.post(`/api/nodes/${node}/storage/local/upload?filename=${ISO_NAME}`, {
    data: readFileSync(iso),
    headers: { 'content-type': 'application/octet-stream' },
  });
  expect([200, 409]).toContain(up.status());
  // Far from the ids other specs take (the lowest free ones): their task rows must stay unique per vmid.
  vmid = 9100;
  const created = await trpc(page.request, 'vm.create', {
    node,
    vmid,
    name: unique('console-'),
    memoryMiB: 160,
    cdrom: { volume: `local:iso/${ISO_NAME}` },
    boot: ['ide2'],
    nics: [],
  });
  expect(created.status).toBe(200);
  // Started as soon as the create task has released the guest.
  await expect
    .poll(async () => (await trpc(page.request, 'vm.action', { vmid, action: 'start' })).status, { timeout: 60_000 })
    .toBe(200);
  await page.close();
});

test.afterAll(async ({ browser }, testInfo) => {
  if (!vmid) return;
  const page = await adminPage(browser, testInfo.project.use.baseURL);
  await expect
    .poll(async () => (await trpc(page.request, 'vm.delete', { vmid, force: true })).status, { timeout: 90_000 })
    .toBe(200);
  await page.close();
});

test("the Console tab shows the guest's screen; Ctrl-Alt-Del reboots it, as its serial console shows", async ({
  page,
  context,
}) => {
  test.setTimeout(180_000);
  await signInAsAdmin(page);
  await page.goto(`/vms/${vmid}`);
  await page.getByRole('tab', { name: 'Console' }).click();
  await expect(page).toHaveURL(new RegExp(`/vms/${vmid}/console$`));
  await expectPixels(page);

  // The serial console, in its pop-out window, shows the guest's own output.
  const serial = await context.newPage();
  await serial.goto(`/console/${vmid}?kind=serial`);
  await expect(consoleStatus(serial)).toHaveAttribute('data-phase', 'connected', { timeout: 60_000 });
  const rows = serial.locator('[data-testid="serial-terminal"] .xterm-rows');
  await expect(rows).toContainText('HORCRUX-TEST-GUEST', { timeout: 60_000 });
  await serial.getByRole('button', { name: 'Clear' }).click();
  await expect(rows).not.toContainText('READY');

  await page.getByRole('button', { name: 'Ctrl-Alt-Del' }).click();
  // The kernel restarts at once on Ctrl-Alt-Del: the guest boots again in the same QEMU.
  await expect(rows).toContainText('HORCRUX-TEST-GUEST READY', { timeout: 120_000 });
  await expect(consoleStatus(page)).toHaveAttribute('data-phase', 'connected');
  await serial.close();
});

test('a second viewer does not freeze the first: both screens keep updating', async ({ page, context }) => {
  test.setTimeout(120_000);
  await signInAsAdmin(page);
  await page.goto(`/vms/${vmid}/console`);
  await expectPixels(page);
  const second = await context.newPage();
  await second.goto(`/console/${vmid}`);
  await expectPixels(second);
  // The guest prints a heartbeat every second on its screen: both canvases change.
  for (const p of [page, second]) {
    const before = (await canvasStats(p)).hash;
    await expect.poll(async () => (await canvasStats(p)).hash, { timeout: 30_000 }).not.toBe(before);
  }
  await expect(consoleStatus(page)).toHaveAttribute('data-phase', 'connected');
  await expect(consoleStatus(second)).toHaveAttribute('data-phase', 'connected');
  await second.close();
});

test('after a reboot of the guest the console reconnects by itself', async ({ page }) => {
  test.setTimeout(180_000);
  await signInAsAdmin(page);
  await page.goto(`/vms/${vmid}/console`);
  await expectPixels(page);
  const before = Number(await consoleStatus(page).getAttribute('data-connections'));
  await page.getByRole('button', { name: 'Reboot', exact: true }).click();
  await expect
    .poll(async () => Number(await consoleStatus(page).getAttribute('data-connections')), { timeout: 120_000 })
    .toBeGreaterThan(before);
  await expectPixels(page);
});

test('a ticket works once: the same ticket again is refused with its reason', async ({ page }) => {
  await signInAsAdmin(page);
  await page.goto(`/vms/${vmid}/console`);
  const result = await reuseTicketFromPage(page, vmid);
  expect(result.first).toBe('RFB 003.008\n');
  expect(result.code).toBe(CONSOLE_CLOSE.TICKET_REUSED);
  expect(result.reason).toMatch(/already used/);
});
