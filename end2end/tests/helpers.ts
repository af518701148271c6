import { expect, type APIRequestContext, type APIResponse, type Page, type Response } from '@playwright/test';

/** The password of every demo account (see the portal's README and server/src/demo.rs). */
export const DEMO_PASSWORD = 'portal-demo-pass';

export const PORTAL_NAME = 'Mautic Community Portal';

/** The demo accounts the tests use, with the names the portal shows for them. */
export const DEMO = {
  alice: { email: 'alice@example.org', name: 'Alice Martin', handle: 'alice' },
  bob: { email: 'bob@example.org', name: 'Bob Nakamura', handle: 'bob' },
  jose: { email: 'jose@example.org', name: 'José Álvarez', handle: 'jose' },
} as const;

/** The three links of the header's main navigation. */
export const NAV_LINKS = ['Members', 'Groups', 'Code of conduct'] as const;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** True for errors that mean "the portal is not answering right now" (e.g. it is being restarted). */
function isConnectionError(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return /ERR_CONNECTION_REFUSED|ERR_CONNECTION_RESET|ERR_EMPTY_RESPONSE|ECONNREFUSED|ECONNRESET|socket hang up/.test(
    message,
  );
}

/**
 * Runs `attempt`, retrying a few times while the portal cannot be reached
 * (it may be restarted by someone else while the tests run).
 */
async function withRetry<T>(attempt: () => Promise<T>, tries = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (error) {
      if (i >= tries || !isConnectionError(error)) throw error;
      await sleep(2_000);
    }
  }
}

/**
 * Opens `path` and waits until the page's WebAssembly has loaded and hydrated
 * it: before that, clicks would submit the plain HTML forms instead of the
 * app's handlers.
 */
export async function gotoHydrated(page: Page, path: string): Promise<Response | null> {
  const response = await withRetry(() => page.goto(path));
  await page.waitForLoadState('networkidle');
  return response;
}

/** A server-side GET (no browser, no script): what "view source" shows. */
export async function fetchPage(request: APIRequestContext, path: string): Promise<APIResponse> {
  return withRetry(() => request.get(path));
}

/** The member menu in the header, shown once `displayName` is signed in. */
export function accountMenu(page: Page, displayName: string) {
  return page.locator('header').getByLabel(`Account menu for ${displayName}`);
}

/** The header's main navigation. */
export function mainNav(page: Page) {
  return page.getByRole('navigation', { name: 'Main' });
}

/** Signs in through the sign-in form and waits for the header's member menu. */
export async function signIn(page: Page, email: string, displayName: string, password = DEMO_PASSWORD) {
  await gotoHydrated(page, '/sign-in');
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(accountMenu(page, displayName)).toBeVisible();
}

/** A handle no other test run uses: registrations never collide. */
export function uniqueHandle(prefix = 'e2e'): string {
  const random = Math.random().toString(36).slice(2, 6);
  return `${prefix}-${Date.now()}-${random}`;
}
