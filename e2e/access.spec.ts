import { expect, test, type Page } from '@playwright/test';
import { Secret, TOTP } from 'otpauth';
import { ADMIN, signIn, signInAsAdmin, unique } from './helpers';

test.describe.configure({ mode: 'serial' });

const alice = { name: unique('alice'), password: 'alice password 1' };
const aliceId = `${alice.name}@local`;
let totpSecret = '';

async function openTab(page: Page, name: string): Promise<void> {
  await page.getByRole('tab', { name, exact: true }).click();
}

test('an administrator creates a user and grants her PVEVMUser on /vms/100', async ({ page }) => {
  await signInAsAdmin(page);
  await openTab(page, 'Users');
  await page.getByRole('button', { name: 'Add user' }).click();
  const form = page.getByRole('form', { name: 'Add user' });
  await form.getByLabel('User name').fill(`${alice.name} x`);
  await form.getByLabel('Password').fill(alice.password);
  await form.getByLabel('E-mail').fill(`${alice.name}@example.com`);
  await form.getByRole('button', { name: 'Add' }).click();
  // Bad input names the field, and nothing is created.
  await expect(form.getByRole('alert')).toContainText('userid');
  await form.getByLabel('User name').fill(alice.name);
  await form.getByRole('button', { name: 'Add' }).click();
  await expect(
    page.getByRole('table', { name: 'Users' }).getByRole('row', { name: new RegExp(aliceId) }),
  ).toBeVisible();

  await openTab(page, 'Permissions');
  await page.getByRole('button', { name: 'Add permission' }).click();
  const grant = page.getByRole('form', { name: 'Add permission' });
  await grant.getByLabel('Path').fill('/vms/42');
  await grant.getByLabel('User, group or token').fill(aliceId);
  await grant.getByLabel('Role').selectOption('PVEVMUser');
  await grant.getByRole('button', { name: 'Add' }).click();
  await expect(grant.getByRole('alert')).toContainText("unknown ACL path '/vms/42'");
  await grant.getByLabel('Path').fill('/vms/100');
  await grant.getByRole('button', { name: 'Add' }).click();
  const row = page.getByRole('table', { name: 'Access control list' }).getByRole('row').filter({ hasText: aliceId });
  await expect(row).toContainText('/vms/100');
  await expect(row).toContainText('PVEVMUser');

  // The effective-permission view explains it.
  await openTab(page, 'Effective Permissions');
  const check = page.getByRole('form', { name: 'Check permissions' });
  await check.getByLabel('User').fill(aliceId);
  await check.getByLabel('Path').fill('/vms/100');
  await check.getByRole('button', { name: 'Check' }).click();
  const power = page.getByRole('table', { name: 'Privileges' }).getByRole('row').filter({ hasText: 'VM.PowerMgmt' });
  await expect(power).toContainText(`granted by role PVEVMUser on /vms/100 (propagated) for user ${aliceId}`);
  const allocate = page.getByRole('table', { name: 'Privileges' }).getByRole('row').filter({ hasText: 'VM.Allocate' });
  await expect(allocate).toContainText('denied');

  // The grant is in the audit log.
  await openTab(page, 'Audit Log');
  await expect(
    page.getByRole('table', { name: 'Audit events' }).getByRole('row').filter({ hasText: 'acl.grant' }).first(),
  ).toContainText(ADMIN.userid);
});

test('the user sees only what she may: no administration tabs, the API refuses', async ({ page }) => {
  await signIn(page, alice.name, alice.password);
  await expect(page).toHaveURL(/\/datacenter$/);
  await expect(page.getByTestId('current-user')).toHaveText(aliceId);
  const tabs = page.getByRole('tablist');
  await expect(tabs.getByRole('tab', { name: 'Two Factor' })).toBeVisible();
  for (const name of ['Permissions', 'Users', 'Groups', 'Roles', 'Realms', 'Audit Log']) {
    await expect(tabs.getByRole('tab', { name, exact: true })).toHaveCount(0);
  }
  // Typing the address does not help: the page's data is refused.
  await page.goto('/datacenter/audit');
  await expect(page.getByRole('alert').filter({ hasText: 'permission check failed' })).toBeVisible();
  const api = await page.request.get(
    `/api/trpc/access.audit.list?input=${encodeURIComponent(JSON.stringify({ json: {} }))}`,
  );
  expect(api.status()).toBe(403);
  const exported = await page.request.get('/api/audit/export');
  expect(exported.status()).toBe(403);

  // Her own rights on /vms/100, explained.
  await page.goto('/datacenter/permissions/effective');
  const check = page.getByRole('form', { name: 'Check permissions' });
  await check.getByLabel('Path').fill('/vms/100');
  await check.getByRole('button', { name: 'Check' }).click();
  await expect(
    page.getByRole('table', { name: 'Privileges' }).getByRole('row').filter({ hasText: 'VM.Console' }),
  ).toContainText('yes');
});

test('TOTP: enrol through the UI, then sign in with a code', async ({ page }) => {
  await signIn(page, alice.name, alice.password);
  await expect(page).toHaveURL(/\/datacenter$/);
  await openTab(page, 'Two Factor');
  await page.getByRole('button', { name: 'Add TOTP' }).click();
  await page.getByRole('form', { name: 'Add TOTP' }).getByLabel('Description').fill('e2e phone');
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page.getByTestId('totp-uri')).toContainText('otpauth://totp/');
  totpSecret = (await page.getByTestId('totp-secret').textContent()) ?? '';
  const app = new TOTP({ secret: Secret.fromBase32(totpSecret) });
  const confirm = page.getByRole('form', { name: 'Confirm TOTP' });
  await confirm.getByLabel('Code').fill(app.generate());
  await confirm.getByRole('button', { name: 'Confirm' }).click();
  await expect(page.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem')).toHaveCount(10);
  await page.getByRole('button', { name: 'Done' }).click();
  await expect(page.getByRole('table', { name: 'Second factors' })).toContainText('active');

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login$/);

  // The password alone is not enough now: the form asks for the code.
  await signIn(page, alice.name, alice.password);
  await expect(page.getByRole('alert').filter({ hasText: 'second factor required' })).toBeVisible();
  await page.getByLabel('Verification code').fill('000000');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'wrong or was already used' })).toBeVisible();
  // The code of the next time step: the current one was spent confirming the factor.
  await page.getByLabel('Verification code').fill(app.generate({ timestamp: Date.now() + 30_000 }));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/datacenter$/);
  await expect(page.getByTestId('current-user')).toHaveText(aliceId);
});

test('API tokens: created in the UI, accepted as PVEAPIToken headers, privilege separation holds', async ({
  page,
  request,
}) => {
  await signInAsAdmin(page);
  await openTab(page, 'API Tokens');
  const secrets: Record<string, string> = {};
  for (const [name, privsep] of [
    [unique('full'), false],
    [unique('sep'), true],
  ] as const) {
    await page.getByRole('button', { name: 'Add token' }).click();
    const form = page.getByRole('form', { name: `Add token for ${ADMIN.userid}` });
    await form.getByLabel('Token name').fill(name);
    if (!privsep) await form.getByLabel('Privilege separation').uncheck();
    await form.getByRole('button', { name: 'Add' }).click();
    // Wait for this token's secret, not the previous one's.
    await expect(page.getByText(`Token ${ADMIN.userid}!${name} created`)).toBeVisible();
    await expect(page.getByTestId('token-secret')).toHaveText(/^[0-9a-f-]{36}$/);
    secrets[name] = (await page.getByTestId('token-secret').textContent()) ?? '';
    await expect(page.getByRole('table', { name: 'API tokens' })).toContainText(`${ADMIN.userid}!${name}`);
  }
  const [full, sep] = Object.keys(secrets) as [string, string];
  const header = (name: string, secret = secrets[name]) => ({
    authorization: `PVEAPIToken=${ADMIN.userid}!${name}=${secret}`,
  });
  const auditList = `/api/trpc/access.audit.list?input=${encodeURIComponent(JSON.stringify({ json: {} }))}`;

  const me = await request.get('/api/trpc/auth.me', { headers: header(full) });
  expect(me.status()).toBe(200);
  expect(JSON.stringify(await me.json())).toContain(ADMIN.userid);
  expect((await request.get(auditList, { headers: header(full) })).status()).toBe(200);
  // A separated token without ACL entries of its own may do nothing that needs a privilege.
  expect((await request.get(auditList, { headers: header(sep) })).status()).toBe(403);
  const wrong = await request.get('/api/trpc/auth.me', { headers: header(full, secrets[sep]) });
  expect(wrong.status()).toBe(401);
  expect(JSON.stringify(await wrong.json())).toContain('invalid or expired API token');
  expect((await request.get('/api/trpc/auth.me', { headers: { authorization: 'PVEAPIToken=garbage' } })).status()).toBe(
    401,
  );
});

test('an administrator removes her second factor and deletes her', async ({ page }) => {
  await signInAsAdmin(page);
  await openTab(page, 'Users');
  const row = page.getByRole('table', { name: 'Users' }).getByRole('row', { name: new RegExp(aliceId) });
  await expect(row).toContainText('TOTP');
  await row.getByRole('button', { name: `Remove 2FA of ${aliceId}` }).click();
  await row.getByRole('button', { name: `Confirm remove 2fa of ${aliceId}` }).click();
  await expect(row).not.toContainText('TOTP');
  await row.getByRole('button', { name: `Delete ${aliceId}` }).click();
  await row.getByRole('button', { name: `Confirm delete ${aliceId}` }).click();
  await expect(page.getByRole('table', { name: 'Users' }).getByRole('row', { name: new RegExp(aliceId) })).toHaveCount(
    0,
  );
});

test('an OpenID Connect callback with a forged state is refused with a clear message', async ({ page }) => {
  await page.goto('/api/auth/oidc/callback?code=abc&state=forged');
  await expect(page).toHaveURL(/\/login\?error=/);
  await expect(page.getByRole('alert').filter({ hasText: 'expired or does not match' })).toBeVisible();
});
