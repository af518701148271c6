import {
  expect,
  type APIRequestContext,
  type APIResponse,
  type Browser,
  type BrowserContext,
  type Page,
  type Response,
} from '@playwright/test';

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
  await waitForHydration(page);
  return response;
}

/** Waits until the page's client has hydrated it (it then marks `<html data-hydrated>`). */
export async function waitForHydration(page: Page): Promise<void> {
  await page.locator('html[data-hydrated]').waitFor({ state: 'attached', timeout: 20_000 });
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

/** The "Menu" disclosure the main navigation folds into on narrow screens (hidden on wide ones). */
export function navMenuToggle(page: Page) {
  return mainNav(page).locator('summary');
}

/**
 * A link of the main navigation, ready to click: on a phone the "Menu"
 * disclosure is opened first; on a wide screen the links are always shown.
 */
export async function navLink(page: Page, name: string) {
  const toggle = navMenuToggle(page);
  if (await toggle.isVisible()) {
    const open = await mainNav(page).locator('details').evaluate((d) => (d as HTMLDetailsElement).open);
    if (!open) await toggle.click();
  }
  return mainNav(page).getByRole('link', { name, exact: true });
}

/** The profile's "⋯" menu (Block, Report) for the member called `name`. */
export function moreActions(page: Page, name: string) {
  return page.getByLabel(`More actions for ${name}`, { exact: true });
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

/** The password given to the members the tests register. */
export const MEMBER_PASSWORD = 'three unrelated words';

/** A member the tests registered: nobody else has this handle, name or email. */
export interface Account {
  name: string;
  handle: string;
  email: string;
}

/** A short unique handle (3–30 of a-z 0-9): `e2e` + time + randomness. */
export function freshHandle(): string {
  const random = Math.random().toString(36).slice(2, 7).padEnd(5, '0');
  return `e2e${Date.now().toString(36)}${random}`;
}

/**
 * Registers a new member through the API from this page's browser context, which
 * signs that context in as the new member. `label` ends up in the display name
 * ("E2E Sender k3x9…"), so a test can tell its members apart on screen.
 */
export async function registerMember(page: Page, label = 'Member'): Promise<Account> {
  const handle = freshHandle();
  const account = { name: `E2E ${label} ${handle.slice(3)}`, handle, email: `${handle}@example.org` };
  const form = { display_name: account.name, handle, email: account.email, password: MEMBER_PASSWORD };
  // Said as the portal's own pages say it: the portal refuses posts that do not.
  const response = await withRetry(() =>
    page.request.post('/api/register', { form, headers: { 'Sec-Fetch-Site': 'same-origin' } }),
  );
  expect(response.status(), `registering ${handle}: ${await response.text()}`).toBe(200);
  return account;
}

/** Fails when the page is wider than the viewport (the reader would have to scroll sideways). */
export async function expectNoHorizontalOverflow(page: Page, what: string) {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
  }));
  expect(scrollWidth, `${what}: page is ${scrollWidth}px wide in a ${innerWidth}px viewport`).toBeLessThanOrEqual(
    innerWidth,
  );
}

/** A short tag that makes this run's message texts unique. */
export const tag = () => Math.random().toString(36).slice(2, 8);

export const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A second, independent browser (own cookies) with the same project settings. */
export async function newBrowserPage(
  browser: Browser,
  baseURL?: string,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext(baseURL ? { baseURL } : {});
  const page = await context.newPage();
  return { context, page };
}

/** The header's envelope link to the conversations. */
export function envelope(page: Page) {
  return page.locator('header a.envelope');
}

/** Waits until the page's live stream is connected (events sent now reach it). */
export async function waitForLiveStream(page: Page) {
  await expect(envelope(page)).toHaveAttribute('data-live', 'connected', { timeout: 15_000 });
}

/**
 * Marks the document, so `expectNotReloaded` can tell that what the test sees
 * afterwards came without a reload (client-side navigation keeps the mark too).
 */
export async function markDocument(page: Page): Promise<string> {
  const mark = tag();
  await page.evaluate((m) => {
    (window as unknown as { e2eMark?: string }).e2eMark = m;
  }, mark);
  return mark;
}

export async function expectNotReloaded(page: Page, mark: string, what: string) {
  const now = await page.evaluate(() => (window as unknown as { e2eMark?: string }).e2eMark);
  expect(now, `${what} was reloaded`).toBe(mark);
}

/** The list of the open thread's messages and notes. */
export function threadList(page: Page) {
  return page.getByRole('list', { name: 'Messages' });
}

/** The messages of the open thread, oldest first. */
export function messages(page: Page) {
  return threadList(page).locator('li.message');
}

/** The rows of the conversation list, most recent first. */
export function conversationRows(page: Page) {
  return page.locator('ul.conversation-list li.conversation-row');
}

/** The thread's reply form. */
export function replyForm(page: Page) {
  return {
    body: page.getByRole('textbox', { name: 'Reply', exact: true }),
    error: page.locator('#reply-error'),
    send: page.locator('form.reply').getByRole('button', { name: 'Send', exact: true }),
  };
}

/** Waits for the thread page and returns its path. */
export async function expectThread(page: Page): Promise<string> {
  await expect(page).toHaveURL(/\/conversations\/\d+$/);
  await expect(threadList(page)).toBeVisible();
  return new URL(page.url()).pathname;
}

/** Replies in the open thread and waits until the reply is shown and the box is empty. */
export async function reply(page: Page, text: string) {
  const form = replyForm(page);
  await form.body.fill(text);
  await form.send.click();
  await expect(messages(page).last().locator('.message-body')).toHaveText(text);
  await expect(form.body).toHaveValue('');
}

// A 1×1 PNG: the server re-encodes whatever it gets into 256×256 and 64×64 JPEGs.
export const TINY_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

/**
 * Opens a thread's "⋯" options (Mute, Leave, Add people) where they are behind
 * one: on a phone. On a wide screen they are always shown and this does nothing.
 */
export async function openThreadOptions(page: Page) {
  const menu = page.locator('details.thread-menu');
  const summary = menu.locator(':scope > summary');
  if ((await summary.isVisible()) && !(await menu.evaluate((d) => (d as HTMLDetailsElement).open))) {
    await summary.click();
    await expect(menu).toHaveAttribute('open', '');
  }
}

/**
 * Starts a conversation with José through the portal's API, as this page's
 * member; returns the conversation's id.
 */
export async function startWithJose(page: Page, body: string): Promise<number> {
  const sameOrigin = { 'Sec-Fetch-Site': 'same-origin' };
  const me = await (await page.request.post('/api/current_member', { headers: sameOrigin })).json();
  const found = await (
    await page.request.post('/api/search_parties', { form: { query: 'José' }, headers: sameOrigin })
  ).json();
  const jose = found.find((p: { handle: string }) => p.handle === DEMO.jose.handle);
  expect(jose, 'José is found').toBeTruthy();
  const response = await page.request.post('/api/start_conversation', {
    form: { send_as: `member:${me.id}`, 'to[0]': jose.token, body, key: `e2e-${tag()}-${tag()}` },
    headers: sameOrigin,
  });
  expect(response.status(), await response.text()).toBe(200);
  return (await response.json()) as number;
}
