import { expect, type APIRequestContext, type Page } from '@playwright/test';

/** The administrator created by the first-run spec (e2e/setup-signin.spec.ts). */
export const ADMIN = { username: 'admin', userid: 'admin@local', password: 'correct horse battery' };

/** Signs in through the login form and waits for the shell. */
export async function signIn(page: Page, username: string, password: string, realm?: string): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('User name').fill(username);
  await page.getByLabel('Password').fill(password);
  if (realm) await page.getByLabel('Realm').selectOption(realm);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

export async function signInAsAdmin(page: Page): Promise<void> {
  await signIn(page, ADMIN.username, ADMIN.password);
  await expect(page).toHaveURL(/\/datacenter$/);
}

/** A name unique to this run, for objects a test creates. */
export function unique(prefix: string): string {
  return `${prefix}${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
}

/** A tRPC call as the page's signed-in user (superjson on the wire). */
export async function trpc(
  request: APIRequestContext,
  path: string,
  input?: unknown,
  method: 'GET' | 'POST' = 'POST',
): Promise<{ status: number; body: { result?: { data: { json: unknown } }; error?: { json: { message: string } } } }> {
  const res =
    method === 'GET'
      ? await request.get(
          `/api/trpc/${path}${input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify({ json: input }))}`}`,
        )
      : await request.post(`/api/trpc/${path}`, { data: { json: input } });
  return { status: res.status(), body: await res.json() };
}
