import { expect, test, type Page } from '@playwright/test';
import { ADMIN, signIn as signInAs } from './helpers';

const signIn = (page: Page, password: string) => signInAs(page, ADMIN.username, password);

test.describe.configure({ mode: 'serial' });

test('an anonymous tRPC call is refused before setup', async ({ request }) => {
  const res = await request.get('/api/trpc/cluster.resources');
  expect(res.status()).toBe(401);
});

test('first run: the setup wizard creates the administrator and opens the shell', async ({ page }) => {
  await page.goto('/');
  await expect(page).toHaveURL(/\/setup$/);
  await expect(page.getByRole('heading', { name: 'Welcome to Horcrux' })).toBeVisible();
  await expect(page.getByTestId('kvm-status')).toHaveText(/hardware acceleration|TCG emulation/);

  await page.getByLabel('Cluster name').fill('e2e-cluster');
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByLabel('User name').fill(ADMIN.username);
  await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
  await page.getByLabel('Confirm password').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Next' }).click();
  await expect(page.getByText('admin@local')).toBeVisible();
  await page.getByRole('button', { name: 'Create cluster' }).click();

  await expect(page).toHaveURL(/\/datacenter$/);
  await expect(page.getByTestId('current-user')).toHaveText('admin@local');
  await expect(page.getByRole('tree', { name: 'Datacenter' })).toContainText('Datacenter (e2e-cluster)');
});

test('sign out, a wrong password is refused, the right one opens the shell', async ({ page }) => {
  await signIn(page, ADMIN.password);
  await expect(page).toHaveURL(/\/datacenter$/);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login$/);

  // The signed-out session is revoked: the shell is no longer reachable.
  await page.goto('/datacenter');
  await expect(page).toHaveURL(/\/login$/);

  await signIn(page, 'not the password');
  await expect(page.getByRole('alert').filter({ hasText: 'wrong user name or password' })).toBeVisible();
  await expect(page).toHaveURL(/\/login/);

  await signIn(page, ADMIN.password);
  await expect(page).toHaveURL(/\/datacenter$/);
  await expect(page.getByRole('treeitem', { name: /Datacenter \(e2e-cluster\)/ })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Tasks' })).toBeVisible();
});

test('the sessions tab lists this session and revoking the others signs them out', async ({ page, browser }) => {
  const other = await browser.newContext({ ignoreHTTPSErrors: true });
  const otherPage = await other.newPage();
  await signIn(otherPage, ADMIN.password);
  await expect(otherPage).toHaveURL(/\/datacenter$/);

  await signIn(page, ADMIN.password);
  await page.getByRole('tab', { name: 'Sessions' }).click();
  const mine = page.getByRole('region', { name: 'My sessions' });
  await expect(mine.getByText('this session')).toBeVisible();
  const others = mine
    .getByRole('row')
    .filter({ hasNotText: 'this session' })
    .filter({ has: page.getByRole('button', { name: /Revoke/ }) });
  await expect(others.first()).toBeVisible();
  // Revoke every session but this one, the other browser's among them.
  while ((await others.count()) > 0) {
    const n = await others.count();
    await others
      .first()
      .getByRole('button', { name: /Revoke/ })
      .click();
    await expect(others).toHaveCount(n - 1);
  }
  await expect(mine.getByText('this session')).toBeVisible();

  // The other browser's next request finds its session revoked.
  await otherPage.goto('/datacenter');
  await expect(otherPage).toHaveURL(/\/login$/);
  await other.close();

  // This session still works.
  await page.reload();
  await expect(page.getByTestId('current-user')).toHaveText('admin@local');
});

test('/setup is gone once the administrator exists', async ({ page, request }) => {
  const res = await page.goto('/setup');
  expect(res?.status()).toBe(404);
  const api = await request.post('/api/trpc/setup.complete', {
    data: { json: { clusterName: 'again', username: 'mallory', password: 'password123', email: '' } },
  });
  expect(api.status()).toBe(409);
  await signIn(page, ADMIN.password);
  await expect(page).toHaveURL(/\/datacenter$/);
});
