import { expect, test, type Browser, type Page } from '@playwright/test';
import {
  DEMO,
  conversationRows,
  envelope,
  escapeRegExp,
  expectNotReloaded,
  expectThread,
  gotoHydrated,
  markDocument,
  messages,
  newBrowserPage,
  registerMember,
  reply,
  signIn,
  tag,
  waitForLiveStream,
  type Account,
  openThreadOptions,
} from './helpers';

// Live updates and notifications: the envelope, the conversation list and open
// threads follow new messages without a reload (across tabs and across server
// instances), toasts, the notifications menu, the settings page and muting.
//
// Every test runs in both projects, in parallel, against one shared database.
// The member who receives is always one the test registers itself, so nobody
// else writes to them, reads for them or changes their settings: their envelope,
// menu and toasts show only what this test did. Alice (a demo account) writes to
// them, and a conversation between Alice and a fresh member is new every time.

// ---------------------------------------------------------------------------
// Locators and small steps
// ---------------------------------------------------------------------------

/**
 * The second server instance on the same database (as behind a load balancer).
 * Unset, it is the first one, and the test that needs two instances is skipped.
 */
const FIRST_URL = process.env.PORTAL_URL ?? 'http://127.0.0.1:3100';
const SECOND_URL = process.env.PORTAL_URL_2 ?? FIRST_URL;
const TWO_INSTANCES = new URL(SECOND_URL).origin !== new URL(FIRST_URL).origin;

/** The header's notifications menu and its parts. */
function notificationsMenu(page: Page) {
  const menu = page.locator('header details.notifications-menu');
  return {
    menu,
    summary: menu.getByLabel('Notifications', { exact: true }),
    panel: menu.locator('.notifications-panel'),
    entries: menu.locator('.notifications-panel li'),
  };
}

/** The toasts region and the toasts in it. */
function toasts(page: Page) {
  const region = page.getByRole('status').and(page.locator('.toasts'));
  return { region, all: region.locator('a.toast') };
}

/** The envelope shows no unread conversations. */
async function expectEnvelopeNormal(page: Page) {
  await expect(envelope(page)).toBeVisible();
  await expect(envelope(page)).not.toHaveClass(/\bhas-unread\b/);
  await expect(envelope(page)).toHaveAttribute('aria-label', 'Conversations');
}

/** The envelope is gold and says how many conversations are unread. */
async function expectEnvelopeGold(page: Page, unread = 1) {
  await expect(envelope(page)).toBeVisible();
  await expect(envelope(page)).toHaveClass(/\bhas-unread\b/);
  await expect(envelope(page)).toHaveAttribute('aria-label', `Conversations, ${unread} unread`);
}

/** Waits until the page's live stream is connected, with the header's bell and envelope on screen. */
async function waitForLive(page: Page) {
  await waitForLiveStream(page);
  // On a phone too, the header's bell and envelope are on screen.
  await expect(envelope(page)).toBeInViewport();
  await expect(notificationsMenu(page).summary).toBeInViewport();
}

/** Opens `path`, waits for hydration and for the live stream. */
async function openLive(page: Page, path: string) {
  await gotoHydrated(page, path);
  await waitForLive(page);
}

/**
 * Starts (or continues) a conversation with one member or group (`to` is
 * `member:<handle>` or `group:<slug>`) from the start page, as the signed-in
 * member themself, and returns the thread's path.
 */
async function startWith(page: Page, to: string, toName: string, text: string): Promise<string> {
  await gotoHydrated(page, `/conversations/new?to=${to}`);
  await expect(page.getByRole('heading', { level: 1, name: 'Start a conversation' })).toBeVisible();
  await expect(page.getByRole('list', { name: 'Chosen recipients' }).getByRole('listitem')).toHaveText([
    new RegExp(escapeRegExp(toName)),
  ]);
  // Alice manages a group: she writes as herself, the first choice.
  const sendAs = page.getByLabel('Send as');
  if ((await sendAs.count()) > 0) {
    await expect(sendAs.locator('option:checked')).toHaveText(new RegExp(escapeRegExp(DEMO.alice.name)));
  }
  await page.getByRole('textbox', { name: 'Message', exact: true }).fill(text);
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  const path = await expectThread(page);
  await expect(messages(page).last().locator('.message-body')).toHaveText(text);
  return path;
}

/** Writes to one member (see `startWith`). */
async function writeTo(page: Page, to: Account, text: string): Promise<string> {
  return startWith(page, `member:${to.handle}`, to.name, text);
}

/** Alice, signed in through the form in her own browser context. */
async function aliceSide(browser: Browser) {
  const side = await newBrowserPage(browser);
  await signIn(side.page, DEMO.alice.email, DEMO.alice.name);
  return side;
}

/**
 * Opens the notifications menu (a tap on the bell, unless it is open already,
 * e.g. still open after following one of its links) and waits for its list.
 */
async function openNotifications(page: Page) {
  const menu = notificationsMenu(page);
  await expect(menu.summary).toBeVisible();
  const wasOpen = await menu.menu.evaluate((d) => (d as HTMLDetailsElement).open);
  if (!wasOpen) await menu.summary.click();
  await expect(menu.panel).toBeVisible();
  // The open panel lies within the screen (on a phone the bell is not at the
  // screen's right edge). Soft: the test goes on to check the menu's contents.
  const box = await menu.panel.evaluate((panel) => {
    const rect = panel.getBoundingClientRect();
    return { left: Math.round(rect.left), right: Math.round(rect.right), viewport: window.innerWidth };
  });
  const where = `the open notifications panel lies off the screen: ${JSON.stringify(box)}`;
  expect.soft(box.left, where).toBeGreaterThanOrEqual(0);
  expect.soft(box.right, where).toBeLessThanOrEqual(box.viewport);
  await expect(
    menu.panel.getByText('Loading…'),
    wasOpen ? 'the menu was still open (after a navigation) and never read its list' : 'the menu never read its list',
  ).toHaveCount(0);
  return menu;
}

const NOTICE_FROM_ALICE = `${DEMO.alice.name} wrote to you`;

// ---------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------

test.describe('live updates and notifications', () => {
  test('a new message turns the envelope gold in every tab, tops the list and toasts; reading it clears both tabs', async ({
    page,
    browser,
  }) => {
    // Bob: a fresh member with one older conversation, the list in tab 1 and
    // another page in tab 2.
    const bob = await registerMember(page, 'Bob');
    const older = `An older conversation ${tag()}`;
    await writeTo(page, DEMO.jose, older);

    await openLive(page, '/conversations');
    await expect(page.getByRole('heading', { level: 1, name: 'Conversations' })).toBeVisible();
    await expect(conversationRows(page)).toHaveCount(1);
    await expect(conversationRows(page).first()).toContainText(older);
    const tab2 = await page.context().newPage();
    await openLive(tab2, `/members/${DEMO.jose.handle}`);
    for (const tab of [page, tab2]) await expectEnvelopeNormal(tab);
    const mark1 = await markDocument(page);
    const mark2 = await markDocument(tab2);

    const alice = await aliceSide(browser);
    try {
      const text = `Live hello ${tag()}: are you coming on Thursday?`;
      const thread = await writeTo(alice.page, bob, text);

      // Both of Bob's tabs follow, without a reload.
      await expectEnvelopeGold(page);
      await expectEnvelopeGold(tab2);
      const toast = toasts(page).all.filter({ hasText: NOTICE_FROM_ALICE });
      await expect(toast).toHaveCount(1);
      await expect(toast).toBeVisible();
      await expect(toast).toHaveText(NOTICE_FROM_ALICE);
      await expect(toast).toHaveAttribute('href', thread);

      // The list read itself again: Alice's conversation on top, unread, with the text.
      await expect(conversationRows(page)).toHaveCount(2);
      const top = conversationRows(page).first();
      await expect(top).toHaveClass(/\bunread\b/);
      await expect(top).toContainText(text);
      await expect(top.getByRole('link')).toHaveAttribute('href', thread);
      await expect(top.getByRole('link')).toHaveAccessibleName(`${DEMO.alice.name} (unread)`);
      await expect(conversationRows(page).nth(1)).toContainText(older);
      await expect(conversationRows(page).nth(1)).not.toHaveClass(/\bunread\b/);
      await expectNotReloaded(page, mark1, 'tab 1 (the list)');
      await expectNotReloaded(tab2, mark2, 'tab 2');

      // Bob reads it in tab 1: the message is there, and both envelopes go back to normal.
      await top.getByRole('link').click();
      await expect(page).toHaveURL(new RegExp(`${thread}$`));
      await expect(messages(page)).toHaveCount(1);
      await expect(messages(page).first().locator('.message-body')).toHaveText(text);
      await expect(messages(page).first().locator('.message-author')).toHaveText(DEMO.alice.name);
      await expectEnvelopeNormal(page);
      await expectEnvelopeNormal(tab2);
      await expectNotReloaded(tab2, mark2, 'tab 2');
    } finally {
      await alice.context.close();
    }
  });

  test('a reply sent through one server instance appears in a thread open on the other', async ({ page, browser }) => {
    test.skip(!TWO_INSTANCES, 'PORTAL_URL_2 is not set (or is PORTAL_URL): only one instance to test');
    // Bob uses the second instance, Alice the first.
    const bobSide = await newBrowserPage(browser, SECOND_URL);
    try {
      const bobPage = bobSide.page;
      const bob = await registerMember(bobPage, 'Bob');
      await signIn(page, DEMO.alice.email, DEMO.alice.name);
      const first = `Across instances ${tag()}: first message.`;
      const thread = await writeTo(page, bob, first);
      await waitForLive(page);

      await openLive(bobPage, thread);
      expect(new URL(bobPage.url()).origin).toBe(new URL(SECOND_URL).origin);
      expect(new URL(page.url()).origin).not.toBe(new URL(SECOND_URL).origin);
      await expect(messages(bobPage)).toHaveCount(1);
      await expect(messages(bobPage).first().locator('.message-body')).toHaveText(first);
      await expectEnvelopeNormal(bobPage);
      const mark = await markDocument(bobPage);

      // Alice replies on instance 1: it appears in Bob's thread on instance 2.
      const answer = `Across instances ${tag()}: the reply.`;
      await reply(page, answer);
      await expect(messages(bobPage)).toHaveCount(2);
      await expect(messages(bobPage).last().locator('.message-body')).toHaveText(answer);
      await expect(messages(bobPage).last().locator('.message-author')).toHaveText(DEMO.alice.name);
      await expectNotReloaded(bobPage, mark, 'Bob’s thread');
      // He is looking at it: no toast, and the envelope stays normal.
      await expect(toasts(bobPage).all).toHaveCount(0);
      await expectEnvelopeNormal(bobPage);

      // And back: Bob answers on instance 2, Alice's open thread on instance 1 follows.
      const back = `Across instances ${tag()}: Bob answers.`;
      await reply(bobPage, back);
      await expect(messages(page)).toHaveCount(3);
      await expect(messages(page).last().locator('.message-body')).toHaveText(back);
      await expect(messages(page).last().locator('.message-author')).toHaveText(bob.name);

      // The reply Bob saw live was marked read on the server.
      await expect(async () => {
        await gotoHydrated(bobPage, '/conversations');
        const row = conversationRows(bobPage).first();
        await expect(row.getByRole('link')).toHaveAttribute('href', thread, { timeout: 1_000 });
        await expect(row).not.toHaveClass(/\bunread\b/, { timeout: 1_000 });
      }).toPass({ timeout: 10_000 });
    } finally {
      await bobSide.context.close();
    }
  });

  test('the notifications menu lists unread conversations newest first, and reading one removes it', async ({
    page,
    browser,
  }) => {
    const bob = await registerMember(page, 'Bob');
    await openLive(page, '/');
    let menu = await openNotifications(page);
    await expect(menu.panel.getByText('Nothing new.', { exact: true })).toBeVisible();
    await expect(menu.entries).toHaveCount(0);
    await expect(menu.panel.getByRole('link', { name: 'Notification settings', exact: true })).toHaveAttribute(
      'href',
      '/settings/notifications',
    );

    // Someone else writes first, then Alice: the open menu follows.
    const otherSide = await newBrowserPage(browser);
    const alice = await aliceSide(browser);
    try {
      const other = await registerMember(otherSide.page, 'Other');
      const otherThread = await writeTo(otherSide.page, bob, `First in line ${tag()}`);
      await expect(menu.entries).toHaveCount(1);
      const aliceThread = await writeTo(alice.page, bob, `Second, so newest ${tag()}`);

      await expect(menu.entries).toHaveCount(2);
      const links = menu.entries.getByRole('link');
      await expect(links).toHaveText([NOTICE_FROM_ALICE, `${other.name} wrote to you`]);
      await expect(links.nth(0)).toHaveAttribute('href', aliceThread);
      await expect(links.nth(1)).toHaveAttribute('href', otherThread);
      await expectEnvelopeGold(page, 2);

      // Bob follows Alice's entry and reads it; then her entry is gone.
      await links.nth(0).click();
      await expect(page).toHaveURL(new RegExp(`${aliceThread}$`));
      await expect(messages(page).last().locator('.message-author')).toHaveText(DEMO.alice.name);
      await expectEnvelopeGold(page, 1);
      menu = await openNotifications(page);
      await expect(menu.entries.getByRole('link')).toHaveText([`${other.name} wrote to you`]);
      await expect(menu.entries.getByRole('link', { name: NOTICE_FROM_ALICE })).toHaveCount(0);

      // After a reload (server-rendered, then read again) it stays gone.
      await openLive(page, '/');
      menu = await openNotifications(page);
      await expect(menu.entries.getByRole('link')).toHaveText([`${other.name} wrote to you`]);
    } finally {
      await alice.context.close();
      await otherSide.context.close();
    }
  });

  test('with in-portal notifications off there is no toast, but the envelope still turns gold', async ({
    page,
    browser,
  }) => {
    const bob = await registerMember(page, 'Bob');
    await gotoHydrated(page, '/');
    // The settings page is linked from the account menu.
    await page.locator('header').getByLabel(`Account menu for ${bob.name}`).click();
    await page.locator('header').getByRole('link', { name: 'Notification settings', exact: true }).click();
    await expect(page).toHaveURL(/\/settings\/notifications$/);
    await expect(page.getByRole('heading', { level: 1, name: 'Notification settings' })).toBeVisible();
    const inApp = page.getByRole('checkbox', { name: 'Show notifications of new messages in the portal' });
    await expect(inApp).toBeChecked();
    await expect(page.getByRole('radio', { name: /^At most one email per conversation/ })).toBeChecked();
    await expect(page.getByRole('radio', { name: 'No emails' })).not.toBeChecked();
    await expect(page.getByRole('radio', { name: 'An email for each new message' })).not.toBeChecked();

    await inApp.uncheck();
    await page.getByRole('button', { name: 'Save settings', exact: true }).click();
    await expect(page.getByText('Your settings are saved.', { exact: true })).toBeVisible();
    await openLive(page, '/settings/notifications');
    await expect(inApp).not.toBeChecked();

    const alice = await aliceSide(browser);
    try {
      // The envelope follows, but no toast: it is added in the same step as the
      // gold, so once the envelope is gold a toast would be there already.
      const thread = await writeTo(alice.page, bob, `Quietly ${tag()}`);
      await expectEnvelopeGold(page);
      await expect(toasts(page).all).toHaveCount(0);

      // Back on: the next message toasts again.
      await inApp.check();
      await page.getByRole('button', { name: 'Save settings', exact: true }).click();
      await expect(page.getByText('Your settings are saved.', { exact: true })).toBeVisible();
      await openLive(page, '/settings/notifications');
      await expect(inApp).toBeChecked();
      await expect(toasts(page).all).toHaveCount(0);
      await reply(alice.page, `Loudly ${tag()}`);
      const toast = toasts(page).all;
      await expect(toast).toHaveCount(1);
      await expect(toast).toHaveText(NOTICE_FROM_ALICE);
      await expect(toast).toHaveAttribute('href', thread);
      await expectEnvelopeGold(page);
    } finally {
      await alice.context.close();
    }
  });

  test('a muted conversation neither turns the envelope gold nor toasts; unmuting counts it again', async ({
    page,
    browser,
  }) => {
    const bob = await registerMember(page, 'Bob');
    const otherSide = await newBrowserPage(browser);
    const alice = await aliceSide(browser);
    try {
      const mutedThread = await writeTo(alice.page, bob, `Before the mute ${tag()}`);

      // Bob opens it (so it is read) and mutes it.
      await openLive(page, mutedThread);
      await expectEnvelopeNormal(page);
      await openThreadOptions(page);
      const mute = page.getByRole('button', { name: 'Mute', exact: true });
      await expect(mute).toHaveAttribute('aria-pressed', 'false');
      await mute.click();
      const unmute = page.getByRole('button', { name: 'Unmute', exact: true });
      await expect(unmute).toHaveAttribute('aria-pressed', 'true');
      // The choice is stored: a fresh page still shows it.
      await openLive(page, mutedThread);
      await openThreadOptions(page);
      await expect(unmute).toHaveAttribute('aria-pressed', 'true');

      await openLive(page, '/members');
      await expectEnvelopeNormal(page);

      // Alice writes in the muted conversation, then someone else writes in
      // another one. Bob's events arrive in order: once the second has turned the
      // envelope gold and toasted, the first has been handled too.
      await reply(alice.page, `After the mute ${tag()}`);
      const other = await registerMember(otherSide.page, 'Other');
      const otherThread = await writeTo(otherSide.page, bob, `Not muted ${tag()}`);
      const notice = `${other.name} wrote to you`;
      await expect(toasts(page).all.filter({ hasText: notice })).toHaveCount(1);
      await expect(toasts(page).all).toHaveText([notice]);
      await expect(toasts(page).all).toHaveAttribute('href', otherThread);
      await expectEnvelopeGold(page, 1);
      await expect(toasts(page).all.filter({ hasText: NOTICE_FROM_ALICE })).toHaveCount(0);
      // The menu does not list the muted conversation either.
      const menu = await openNotifications(page);
      await expect(menu.entries.getByRole('link')).toHaveText([notice]);

      // The settings page lists it; unmuting counts its unread message again.
      await openLive(page, '/settings/notifications');
      const mutedList = page.locator('ul.muted-list li');
      await expect(mutedList).toHaveCount(1);
      await expect(mutedList.getByRole('link', { name: DEMO.alice.name, exact: true })).toHaveAttribute(
        'href',
        mutedThread,
      );
      await mutedList.getByRole('button', { name: 'Unmute', exact: true }).click();
      await expect(mutedList).toHaveCount(0);
      await expect(page.getByText(/^None\. Mute a conversation from its page/)).toBeVisible();
      await expectEnvelopeGold(page, 2);
    } finally {
      await alice.context.close();
      await otherSide.context.close();
    }
  });

  test('a group’s manager is told “… wrote to the Marketing group” in a toast and in the menu', async ({
    page,
    browser,
  }) => {
    // Alice manages Marketing. Other tests write to her too, so only what this
    // test's own writer sent is looked at.
    await signIn(page, DEMO.alice.email, DEMO.alice.name);
    await openLive(page, '/members');
    const menu = await openNotifications(page);
    const writerSide = await newBrowserPage(browser);
    try {
      const writer = await registerMember(writerSide.page, 'Writer');
      const notice = `${writer.name} wrote to the Marketing group`;
      const thread = await startWith(writerSide.page, 'group:marketing', 'Marketing', `For Marketing ${tag()}`);

      const toast = toasts(page).all.filter({ hasText: notice });
      await expect(toast).toHaveCount(1);
      await expect(toast).toBeVisible();
      await expect(toast).toHaveText(notice);
      await expect(toast).toHaveAttribute('href', thread);
      // Alice may have other unread conversations: the envelope is gold, whatever the count.
      await expect(envelope(page)).toHaveClass(/\bhas-unread\b/);
      await expect(envelope(page)).toHaveAttribute('aria-label', /^Conversations, \d+ unread$/);

      // The open menu read its list again and shows it.
      const entry = menu.entries.getByRole('link', { name: notice, exact: true });
      await expect(entry).toHaveCount(1);
      await expect(entry).toHaveAttribute('href', thread);
      await entry.click();
      await expect(page).toHaveURL(new RegExp(`${thread}$`));
      await expect(page.getByText('You are answering as the Marketing group.')).toBeVisible();
      await expect(messages(page).last().locator('.message-author')).toHaveText(writer.name);
      await openNotifications(page);
      await expect(menu.entries.getByRole('link', { name: notice, exact: true })).toHaveCount(0);
    } finally {
      await writerSide.context.close();
    }
  });
});
