import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test } from '@playwright/test';
import { signInAsAdmin, unique } from './helpers';

/**
 * Sign-in through a real OpenID Connect provider: npm `oidc-provider` with a
 * static client and its development login pages (../shared/PEERS.md),
 * started here on 127.0.0.1. It ships no types: the small part used is typed below.
 */
// A variable specifier: TypeScript does not look for the package's (missing) declarations.
const PROVIDER_MODULE = 'oidc-provider';

type Account = { accountId: string; claims: () => Promise<Record<string, unknown>> };
type ProviderCtor = new (
  issuer: string,
  config: Record<string, unknown>,
) => { listen(port: number, host: string): Server };

test.describe.configure({ mode: 'serial' });

const realm = unique('idp');
const CLIENT = { client_id: 'horcrux-e2e', client_secret: 'e2e-client-secret-0123456789' };
let server: Server | undefined;
let issuer = '';

test.beforeAll(async ({ baseURL }) => {
  const { default: Provider } = (await import(PROVIDER_MODULE)) as { default: ProviderCtor };
  // The port is only known after listening, and the issuer must be fixed before: reserve one first.
  const probe = (await import('node:net')).createServer();
  const port = await new Promise<number>((resolve) =>
    probe.listen(0, '127.0.0.1', () => resolve((probe.address() as AddressInfo).port)),
  );
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        ...CLIENT,
        redirect_uris: [`${baseURL}/api/auth/oidc/callback`],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    pkce: { required: () => true },
    features: { devInteractions: { enabled: true } },
    cookies: { keys: ['e2e-cookie-key-0123456789abcdef'] },
    findAccount: (_ctx: unknown, id: string): Account => ({
      accountId: id,
      claims: async () => ({ sub: id, email: `${id}@idp.test` }),
    }),
  });
  server = provider.listen(port, '127.0.0.1');
});

test.afterAll(() => {
  server?.close();
});

test('an administrator adds an OIDC realm; a user signs in through the provider and gets a session', async ({
  page,
}) => {
  await signInAsAdmin(page);
  await page.goto('/datacenter/permissions/realms');
  await page.getByRole('button', { name: 'Add OIDC realm' }).click();
  const form = page.getByRole('form', { name: 'Add OpenID Connect realm' });
  await form.getByLabel('Realm', { exact: true }).fill(realm);
  await form.getByLabel('Issuer URL').fill(issuer);
  await form.getByLabel('Client ID').fill(CLIENT.client_id);
  await form.getByLabel('Client secret').fill(CLIENT.client_secret);
  await form.getByLabel('Comment').fill('E2E IdP');
  await form.getByLabel('Create users automatically').check();
  await form.getByRole('button', { name: 'Add' }).click();
  await expect(page.getByRole('table', { name: 'Realms' })).toContainText(issuer);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login$/);

  await page.getByLabel('Realm').selectOption(realm);
  await page.getByRole('link', { name: 'Sign in with E2E IdP' }).click();
  // The provider's development login and consent pages.
  await page.locator('input[name="login"]').fill('oidcuser');
  await page.locator('input[name="password"]').fill('anything');
  await page.getByRole('button', { name: 'Sign-in' }).click();
  await page.getByRole('button', { name: 'Continue' }).click();

  await expect(page).toHaveURL(/\/datacenter$/);
  await expect(page.getByTestId('current-user')).toHaveText(`oidcuser@${realm}`);
});
