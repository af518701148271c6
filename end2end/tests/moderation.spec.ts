import { expect, test, type Browser, type Locator, type Page } from '@playwright/test';
import {
  DEMO,
  DEMO_PASSWORD,
  accountMenu,
  conversationRows,
  escapeRegExp,
  expectNotReloaded,
  expectThread,
  gotoHydrated,
  markDocument,
  messages,
  moreActions,
  newBrowserPage,
  registerMember,
  reply,
  replyForm,
  signIn,
  tag,
  threadList,
  waitForLiveStream,
  type Account,
  openThreadOptions,
} from './helpers';

// The code of conduct in practice: reporting a message and a moderator removing
// it, blocking, "who may message me" and message requests, leaving a
// conversation, the moderation page's access rule and the spam limits.
//
// Every test runs in both projects, in parallel, against one shared database.
// So every test writes its own messages (with a random tag), in conversations
// that are new (a fresh member always takes part), and whatever changes a
// member's state (blocks, who may message them, leaving) is done by members the
// test registers itself.

// ---------------------------------------------------------------------------
// Locators and small steps
// ---------------------------------------------------------------------------

/** The third server instance, with the real (strict) spam limits. Unset: that test is skipped. */
const LIMITED_URL = process.env.PORTAL_URL_3;

const MODERATOR = { email: 'ngozi@example.org', name: 'Ngozi Okafor' } as const;
const ADMINISTRATOR = { email: 'lars@example.org', name: 'Lars Eriksson' } as const;

const REMOVED_TEXT = 'This message was removed by a moderator.';
const REPORT_THANKS = 'Thank you. A moderator will review this message.';
const NOT_ALLOWED = 'You are not allowed to do that.';
const TOO_FAST =
  /^You are sending faster than our code of conduct allows\. Please wait (\d+) seconds?, then send again; your message is kept\.$/;

/** Registers a member in a browser of its own, closed again at once: someone to write to. */
async function registerElsewhere(browser: Browser, label: string): Promise<Account> {
  const side = await newBrowserPage(browser);
  try {
    return await registerMember(side.page, label);
  } finally {
    await side.context.close();
  }
}

/** Opens `path`, waits for hydration and for the live stream (events sent now reach it). */
async function openLive(page: Page, path: string) {
  await gotoHydrated(page, path);
  await waitForLiveStream(page);
}

/** The one message of the open thread whose text contains `text`. */
function messageWith(page: Page, text: string) {
  return messages(page).filter({ hasText: text });
}

/** The parts of the start form, inside `scope` (the dialog, or the page for /conversations/new). */
function composeForm(scope: Page | Locator) {
  const listbox = scope.getByRole('listbox', { name: 'Matching members and groups' });
  return {
    search: scope.getByRole('combobox', { name: 'To' }),
    listbox,
    chips: scope.getByRole('list', { name: 'Chosen recipients' }).getByRole('listitem'),
    toError: scope.locator('#compose-to-error'),
    body: scope.getByRole('textbox', { name: 'Message', exact: true }),
    send: scope.getByRole('button', { name: 'Send', exact: true }),
  };
}

/** A chosen recipient's chip. */
function chip(scope: Page | Locator, name: string) {
  return scope.getByRole('list', { name: 'Chosen recipients' }).getByRole('listitem').filter({ hasText: name });
}

/** Types `name` in the picker and picks that member. */
async function pickMember(scope: Page | Locator, name: string) {
  const form = composeForm(scope);
  await form.search.fill(name);
  await expect(form.listbox).toBeVisible();
  const match = form.listbox
    .getByRole('option')
    .filter({ has: form.listbox.page().locator('.option-name').getByText(name, { exact: true }) });
  await expect(match).toHaveCount(1);
  await match.click();
  await expect(chip(scope, name)).toBeVisible();
}

/** Opens the start page with one member preselected. */
async function openStartPage(page: Page, to: Account) {
  await gotoHydrated(page, `/conversations/new?to=member:${to.handle}`);
  await expect(page.getByRole('heading', { level: 1, name: 'Start a conversation' })).toBeVisible();
  await expect(chip(page, to.name)).toBeVisible();
}

/**
 * Starts a conversation from the start page with `to` (and `others`, picked in
 * the combobox) as the signed-in member, and returns the thread's path.
 */
async function startConversation(page: Page, to: Account, text: string, others: Account[] = []): Promise<string> {
  await openStartPage(page, to);
  for (const other of others) await pickMember(page, other.name);
  const form = composeForm(page);
  await expect(form.chips).toHaveCount(1 + others.length);
  await form.body.fill(text);
  await form.send.click();
  const path = await expectThread(page);
  await expect(messages(page).last().locator('.message-body')).toHaveText(text);
  return path;
}

/** A message's actions menu (someone else's message): its summary and what it holds. */
function messageActions(message: Locator) {
  const details = message.locator('details.message-actions');
  return {
    details,
    summary: details.locator('summary'),
    report: details.getByRole('button', { name: 'Report message', exact: true }),
    block: (name: string) => details.getByRole('button', { name: `Block ${name}`, exact: true }),
  };
}

/** Opens a message's actions menu (unless it is open already). */
async function openMessageActions(message: Locator) {
  const actions = messageActions(message);
  await expect(actions.summary).toHaveAccessibleName('Message actions');
  const open = await actions.details.evaluate((d) => (d as HTMLDetailsElement).open);
  if (!open) await actions.summary.click();
  return actions;
}

/** Opens the account menu and returns the header (where its links are). */
async function openAccountMenu(page: Page, displayName: string) {
  await accountMenu(page, displayName).click();
  const header = page.locator('header');
  await expect(header.getByRole('link', { name: 'Privacy and blocking', exact: true })).toBeVisible();
  return header;
}

/** Closes the account menu if it is open (it may cover the page under the header). */
async function closeAccountMenu(page: Page, displayName: string) {
  const menu = page
    .locator('header details')
    .filter({ has: page.getByLabel(`Account menu for ${displayName}`, { exact: true }) });
  if (await menu.evaluate((d) => (d as HTMLDetailsElement).open)) await accountMenu(page, displayName).click();
  await expect(menu).not.toHaveAttribute('open');
}

/** A status message (role=status) that says exactly `text`. */
function statusSaying(page: Page | Locator, text: string) {
  return page.getByRole('status').filter({ hasText: new RegExp(`^\\s*${escapeRegExp(text)}\\s*$`) });
}

/** The "Blocked members" section of /settings/privacy. */
function blockedSection(page: Page) {
  return page.locator('section:has(> :is(h2, h3):text-is("Blocked members"))');
}

// ---------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------

/**
 * The queue looks finished: nothing on it is an empty band (an element with no
 * content that still takes height or margins), its lists have no numbers or
 * bullets, and Suspend is red in both of its buttons.
 */
async function expectFinishedQueue(page: Page, report: Locator) {
  const emptyBands = await page.locator('main').evaluate((main) =>
    [...main.querySelectorAll('*')]
      .filter((e) => e.children.length === 0 && !(e.textContent ?? '').trim())
      .filter((e) => !['INPUT', 'TEXTAREA', 'SELECT', 'svg', 'path'].includes(e.tagName))
      .filter((e) => e.getClientRects().length > 0)
      .filter((e) => {
        const style = getComputedStyle(e);
        const margins = parseFloat(style.marginTop) + parseFloat(style.marginBottom);
        return e.getBoundingClientRect().height > 0 || margins > 0;
      })
      .map((e) => e.outerHTML),
  );
  expect(emptyBands, 'empty elements taking room on the moderation page').toEqual([]);
  // Nor a band above the card's first line: its content starts at its padding.
  const gap = await report.evaluate((card) => {
    const first = card.firstElementChild!.getBoundingClientRect().top;
    return first - card.getBoundingClientRect().top - parseFloat(getComputedStyle(card).paddingTop) - card.clientTop;
  });
  expect(gap, 'space above the report card’s first line').toBeLessThan(1);
  const markers = await report.locator('ol, ul').evaluateAll((lists) => lists.map((l) => getComputedStyle(l).listStyleType));
  expect(markers.length).toBeGreaterThan(0);
  for (const marker of markers) expect(marker).toBe('none');
  for (const suspend of [
    report.locator('summary').filter({ hasText: 'Suspend author…' }),
    report.getByRole('button', { name: /^Yes, suspend / }),
  ]) {
    const background = await suspend.evaluate((e) => getComputedStyle(e).backgroundColor);
    const [r, g, b] = (background.match(/\d+/g) ?? []).map(Number);
    expect(r > 140 && g < 80 && b < 80, `Suspend's background ${background} is red`).toBe(true);
  }
}

test.describe('code of conduct and moderation', () => {
  test('Bob reports a message; a moderator removes it; Bob’s open thread shows the removal live; the audit log lists it', async ({
    page,
    browser,
  }) => {
    test.slow();
    // The author is a fresh member standing in for Alice: the audit log names the
    // author, so a fresh name tells this test's entry from every other run's.
    const authorSide = await newBrowserPage(browser);
    const moderatorSide = await newBrowserPage(browser);
    try {
      const author = await registerMember(authorSide.page, 'Author');
      const opening = `Hello Bob, about the meetup ${tag()}.`;
      const offending = `You are all idiots and I will find you ${tag()}`;
      const thread = await startConversation(authorSide.page, DEMO.bob, opening);
      await reply(authorSide.page, offending);
      // The author's own messages cannot be reported (their menu edits and deletes).
      await expect(authorSide.page.locator('details.message-actions a:text-is("Report message")')).toHaveCount(0);

      // Bob opens the thread and reports the second message.
      await signIn(page, DEMO.bob.email, DEMO.bob.name);
      await openLive(page, thread);
      await expect(messages(page)).toHaveCount(2);
      const reported = messageWith(page, offending);
      await expect(reported).toHaveCount(1);
      const messageId = await reported.getAttribute('id');
      expect(messageId).toMatch(/^message-\d+$/);

      const actions = await openMessageActions(reported);
      await expect(actions.block(author.name)).toBeVisible();
      await actions.report.click();
      const form = page.getByRole('form', { name: 'Report this message' });
      await expect(form).toBeVisible();
      const reasons = form.getByRole('group', { name: 'Why are you reporting this message?' });
      await expect(reasons.getByRole('radio')).toHaveCount(3);
      await expect(reasons.getByRole('radio', { name: 'Spam', exact: true })).toBeVisible();
      await expect(reasons.getByRole('radio', { name: 'Something else', exact: true })).toBeVisible();
      await reasons.getByRole('radio', { name: 'Harassment or abuse', exact: true }).check();
      await form.getByLabel('Note for the moderators (optional)').fill(`A threat, please look ${tag()}`);
      await form.getByRole('button', { name: 'Send report', exact: true }).click();
      await expect(statusSaying(page, REPORT_THANKS)).toBeVisible();
      // Reporting does not hide anything by itself.
      await expect(reported.locator('.message-body')).toHaveText(offending);
      const mark = await markDocument(page);
      await openLive(authorSide.page, thread);
      const authorMark = await markDocument(authorSide.page);

      // The moderator finds the report from the account menu.
      const mod = moderatorSide.page;
      await signIn(mod, MODERATOR.email, MODERATOR.name);
      const header = await openAccountMenu(mod, MODERATOR.name);
      await expect(header.getByRole('link', { name: 'Privacy and blocking', exact: true })).toHaveAttribute(
        'href',
        '/settings/privacy',
      );
      await header.getByRole('link', { name: 'Moderation', exact: true }).click();
      await expect(mod).toHaveURL(/\/moderation$/);
      // The account menu stays open after following its link: close it, as a person would.
      await closeAccountMenu(mod, MODERATOR.name);
      await expect(mod.getByRole('heading', { level: 1, name: 'Reports to review' })).toBeVisible();
      await mod.waitForLoadState('networkidle');

      const report = mod.locator('article.report').filter({ hasText: offending });
      await expect(report).toHaveCount(1);
      // The reported message in its context: the opening message before it.
      const context = report.locator('ol > li');
      await expect(context).toHaveCount(2);
      await expect(context.nth(0)).toContainText(opening);
      await expect(context.nth(0)).not.toHaveAttribute('aria-current', 'true');
      await expect(report.locator('ol > li[aria-current="true"]')).toHaveCount(1);
      await expect(report.locator('ol > li[aria-current="true"]')).toContainText(offending);
      await expect(report).toContainText(`Reported by ${DEMO.bob.name}`);
      await expect(report).toContainText('Harassment or abuse');
      for (const name of ['Dismiss', 'Warn author']) {
        await expect(report.getByRole('button', { name, exact: true })).toBeVisible();
      }
      // Suspending asks first.
      await expect(report.locator('summary').filter({ hasText: 'Suspend author…' })).toBeVisible();
      await expect(report.getByRole('button', { name: `Yes, suspend ${author.name}`, exact: true })).toBeHidden();
      await report.locator('summary').filter({ hasText: 'Suspend author…' }).click();
      await expect(report.getByRole('button', { name: `Yes, suspend ${author.name}`, exact: true })).toBeVisible();
      await expectFinishedQueue(mod, report);
      await report.getByRole('button', { name: 'Remove message', exact: true }).click();
      await expect(report).toHaveCount(0);

      // Bob's open thread follows without a reload: the text is gone, the other message stays.
      const removed = page.locator(`#${messageId}`);
      await expect(removed).toHaveClass(/\bremoved\b/);
      await expect(removed).toContainText(REMOVED_TEXT);
      await expect(removed).not.toContainText(offending);
      await expect(page.getByText(offending)).toHaveCount(0);
      await expect(removed.locator('details.message-actions')).toHaveCount(0);
      await expect(messages(page)).toHaveCount(2);
      await expect(messageWith(page, opening).locator('.message-body')).toHaveText(opening);
      await expect(messageWith(page, opening)).not.toHaveClass(/\bremoved\b/);
      await expectNotReloaded(page, mark, 'Bob’s thread');
      // So does the author's.
      await expect(authorSide.page.locator(`#${messageId}`)).toHaveClass(/\bremoved\b/);
      await expect(authorSide.page.locator(`#${messageId}`)).toContainText(REMOVED_TEXT);
      await expect(authorSide.page.getByText(offending)).toHaveCount(0);
      await expectNotReloaded(authorSide.page, authorMark, 'the author’s thread');

      // A fresh page (server-rendered) does not have the text either.
      const html = await (await page.request.get(thread)).text();
      expect(html).toContain(REMOVED_TEXT);
      expect(html).not.toContain(offending);

      // The audit log lists the action, with the moderator and the author.
      await mod.getByRole('link', { name: 'Audit log', exact: true }).click();
      await expect(mod).toHaveURL(/\/moderation\/log$/);
      await expect(mod.getByRole('heading', { level: 1, name: 'Moderation audit log' })).toBeVisible();
      const entry = mod
        .getByRole('table')
        .getByRole('row')
        .filter({ hasText: author.name })
        .filter({ hasText: MODERATOR.name })
        .filter({ hasText: 'removed a message' });
      await expect(entry).toHaveCount(1);
    } finally {
      await authorSide.context.close();
      await moderatorSide.context.close();
    }
  });

  test('a member who was blocked cannot start a conversation with the blocker; the draft stays and nothing is created', async ({
    page,
    browser,
  }) => {
    test.slow();
    const blocker = await registerMember(page, 'Blocker');
    const blockedSide = await newBrowserPage(browser);
    try {
      const blockedPage = blockedSide.page;
      const blocked = await registerMember(blockedPage, 'Blocked');

      // The blocker blocks them from their profile.
      await gotoHydrated(page, `/members/${blocked.handle}`);
      await expect(page.getByRole('heading', { level: 1, name: blocked.name })).toBeVisible();
      // Block sits in the profile's "⋯" menu.
      await expect(page.getByRole('button', { name: `Block ${blocked.name}`, exact: true })).toBeHidden();
      await moreActions(page, blocked.name).click();
      await page.getByRole('button', { name: `Block ${blocked.name}`, exact: true }).click();
      await expect(page.getByRole('button', { name: `Unblock ${blocked.name}`, exact: true })).toBeVisible();
      await expect(
        statusSaying(page, `You blocked ${blocked.name}. They can't start conversations with you.`),
      ).toBeVisible();
      await expect(page.getByRole('button', { name: `Block ${blocked.name}`, exact: true })).toHaveCount(0);
      // It is stored.
      await gotoHydrated(page, `/members/${blocked.handle}`);
      await moreActions(page, blocked.name).click();
      await expect(page.getByRole('button', { name: `Unblock ${blocked.name}`, exact: true })).toBeVisible();

      const refusal = `You can't message ${blocker.name}. Remove them to send to the others.`;

      // The blocked member tries from the blocker's contact icon (the dialog).
      await gotoHydrated(blockedPage, `/members/${blocker.handle}`);
      await blockedPage.getByRole('button', { name: `Message ${blocker.name}`, exact: true }).click();
      const dialog = blockedPage.getByRole('dialog', { name: 'Start a conversation' });
      await expect(dialog).toBeVisible();
      const inDialog = composeForm(dialog);
      await expect(chip(dialog, blocker.name)).toBeVisible();
      const draft = `Hi, can we talk about the flyers? ${tag()}`;
      await inDialog.body.fill(draft);
      await inDialog.send.click();
      await expect(inDialog.toError).toHaveText(refusal);
      await expect(inDialog.toError).toBeVisible();
      await expect(inDialog.body).toHaveValue(draft);
      await expect(dialog).toBeVisible();
      await expect(chip(dialog, blocker.name)).toBeVisible();
      await expect(blockedPage).toHaveURL(new RegExp(`/members/${blocker.handle}$`));

      // And from the start page.
      await openStartPage(blockedPage, blocker);
      const onPage = composeForm(blockedPage);
      const draft2 = `Second try from the start page ${tag()}`;
      await onPage.body.fill(draft2);
      await onPage.send.click();
      await expect(onPage.toError).toHaveText(refusal);
      await expect(onPage.body).toHaveValue(draft2);
      await expect(blockedPage).toHaveURL(/\/conversations\/new\?/);

      // No conversation exists, on either side.
      for (const side of [page, blockedPage]) {
        await gotoHydrated(side, '/conversations');
        await expect(side.getByRole('heading', { level: 1, name: 'Conversations' })).toBeVisible();
        await expect(conversationRows(side)).toHaveCount(0);
      }
      await expect(page.getByText(draft)).toHaveCount(0);
      await expect(page.getByText(draft2)).toHaveCount(0);

      // Unblocking (from the privacy page) lets them write again.
      await gotoHydrated(page, '/settings/privacy');
      await expect(page.getByRole('heading', { level: 1, name: 'Privacy and blocking' })).toBeVisible();
      const section = blockedSection(page);
      await expect(section).toContainText(blocked.name);
      await section.getByRole('button', { name: `Unblock ${blocked.name}`, exact: true }).click();
      await expect(section.getByText('You have not blocked anyone.')).toBeVisible();

      const third = `Third try, after the unblock ${tag()}`;
      const thread = await startConversation(blockedPage, blocker, third);
      await gotoHydrated(page, '/conversations');
      await expect(conversationRows(page)).toHaveCount(1);
      await expect(conversationRows(page).first()).toContainText(third);
      await expect(conversationRows(page).first().getByRole('link')).toHaveAttribute('href', thread);
    } finally {
      await blockedSide.context.close();
    }
  });

  test('sending faster than the limits allows is refused with the wait, and the draft is kept', async ({ browser }) => {
    test.skip(!LIMITED_URL, 'PORTAL_URL_3 (an instance with the real spam limits) is not set');
    test.slow();
    const side = await newBrowserPage(browser, LIMITED_URL);
    try {
      const page = side.page;
      // A new account: at most 5 messages a minute.
      await registerMember(page, 'Hasty');
      await startConversation(page, DEMO.jose, `Message 1 of a burst ${tag()}`);
      for (let i = 2; i <= 5; i++) await reply(page, `Message ${i} of a burst ${tag()}`);
      await expect(messages(page)).toHaveCount(5);

      const sixth = `Message 6 is one too many ${tag()}`;
      const form = replyForm(page);
      await form.body.fill(sixth);
      await form.send.click();
      await expect(form.error).toHaveText(TOO_FAST);
      await expect(form.error).toBeVisible();
      const seconds = Number(TOO_FAST.exec((await form.error.textContent())?.trim() ?? '')?.[1]);
      expect(seconds).toBeGreaterThanOrEqual(1);
      expect(seconds).toBeLessThanOrEqual(60);
      await expect(form.body).toHaveValue(sixth);
      await expect(messages(page)).toHaveCount(5);
      await expect(page.getByText(sixth, { exact: true })).toHaveCount(0);

      // Nothing was stored.
      await gotoHydrated(page, page.url());
      await expect(messages(page)).toHaveCount(5);
      await expect(threadList(page).getByText(sixth)).toHaveCount(0);
    } finally {
      await side.context.close();
    }
  });

  test('with “only members who share a group”, a stranger’s message waits under Message requests; Accept moves it to the inbox', async ({
    page,
    browser,
  }) => {
    test.slow();
    const recipient = await registerMember(page, 'Choosy');
    await gotoHydrated(page, '/');
    const header = await openAccountMenu(page, recipient.name);
    // A plain member has no moderation link.
    await expect(header.getByRole('link', { name: 'Moderation', exact: true })).toHaveCount(0);
    await header.getByRole('link', { name: 'Privacy and blocking', exact: true }).click();
    await expect(page).toHaveURL(/\/settings\/privacy$/);
    await expect(page.getByRole('heading', { level: 1, name: 'Privacy and blocking' })).toBeVisible();
    await page.waitForLoadState('networkidle');
    const who = page.getByRole('group', { name: 'Who may start a conversation with you' });
    const everyone = who.getByRole('radio', { name: 'Everyone', exact: true });
    const shared = who.getByRole('radio', { name: 'Only members who share a group with me', exact: true });
    await expect(everyone).toBeChecked();
    await expect(shared).not.toBeChecked();
    await expect(blockedSection(page).getByText('You have not blocked anyone.')).toBeVisible();
    await shared.check();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect(statusSaying(page, 'Saved.')).toBeVisible();
    await gotoHydrated(page, '/settings/privacy');
    await expect(shared).toBeChecked();
    await expect(everyone).not.toBeChecked();

    const strangerSide = await newBrowserPage(browser);
    try {
      // A stranger (no group in common) writes; for them it is an ordinary conversation.
      const stranger = await registerMember(strangerSide.page, 'Stranger');
      const text = `Hello, we have not met yet ${tag()}`;
      const thread = await startConversation(strangerSide.page, recipient, text);

      // The recipient's inbox does not list it, but points to the requests.
      await gotoHydrated(page, '/conversations');
      await expect(page.getByRole('heading', { level: 1, name: 'Conversations' })).toBeVisible();
      await expect(conversationRows(page)).toHaveCount(0);
      const requestsLink = page.getByRole('link', { name: 'Message requests (1)', exact: true });
      await expect(requestsLink).toHaveAttribute('href', '/conversations/requests');
      await requestsLink.click();
      await expect(page).toHaveURL(/\/conversations\/requests$/);
      await expect(page.getByRole('heading', { level: 1, name: 'Message requests' })).toBeVisible();
      await page.waitForLoadState('networkidle');
      // The request names its sender and quotes the message, and leads to the thread.
      const request = page.locator('main li').filter({ hasText: text });
      await expect(request).toHaveCount(1);
      await expect(request).toContainText(stranger.name);
      await request.locator(`a[href="${thread}"]`).click();

      await expect(page).toHaveURL(new RegExp(`${thread}$`));
      await expect(messageWith(page, text).locator('.message-body')).toHaveText(text);
      const pending = page.locator('section[aria-label="Message request"]');
      await expect(pending).toBeVisible();
      for (const name of ['Decline', 'Decline and report']) {
        await expect(pending.getByRole('button', { name, exact: true })).toBeVisible();
      }
      await pending.getByRole('button', { name: 'Accept', exact: true }).click();
      // Once accepted it is no longer a request: the banner and its buttons go away.
      await expect(pending, 'the “Message request” banner is still shown after Accept').toHaveCount(0);
      // Two people: nobody can leave or be added.
      await expect(page.getByRole('button', { name: 'Leave conversation', exact: true })).toHaveCount(0);

      // Now it is in the inbox, and no request waits.
      await gotoHydrated(page, '/conversations');
      await expect(conversationRows(page)).toHaveCount(1);
      await expect(conversationRows(page).first()).toContainText(text);
      await expect(conversationRows(page).first().getByRole('link')).toHaveAttribute('href', thread);
      await expect(page.getByRole('link', { name: /^Message requests/ })).toHaveCount(0);
      await gotoHydrated(page, thread);
      await expect(page.locator('section[aria-label="Message request"]')).toHaveCount(0);
    } finally {
      await strangerSide.context.close();
    }
  });

  test('leaving a conversation of three lands on the inbox and tells the others in a note', async ({
    page,
    browser,
  }) => {
    test.slow();
    const leaver = await registerMember(page, 'Leaver');
    const stayerSide = await newBrowserPage(browser);
    try {
      const stayerPage = stayerSide.page;
      const stayer = await registerMember(stayerPage, 'Stayer');
      const third = await registerElsewhere(browser, 'Third');
      const text = `Planning the sprint, three of us ${tag()}`;
      const thread = await startConversation(page, stayer, text, [third]);
      await openThreadOptions(page);
      await expect(page.locator('details > summary').filter({ hasText: /^\s*Add people\s*$/ })).toBeVisible();

      await page.getByRole('button', { name: 'Leave conversation', exact: true }).click();
      await expect(page).toHaveURL(/\/conversations$/);
      await expect(page.getByRole('heading', { level: 1, name: 'Conversations' })).toBeVisible();
      await expect(conversationRows(page)).toHaveCount(0);

      await gotoHydrated(stayerPage, thread);
      const note = threadList(stayerPage).locator('li.note');
      await expect(note).toHaveCount(1);
      await expect(note).toHaveText(`${leaver.name} left the conversation.`);
      await expect(messageWith(stayerPage, text).locator('.message-body')).toHaveText(text);
      // The note comes after the message.
      await expect(threadList(stayerPage).locator('li').last()).toHaveClass(/\bnote\b/);
    } finally {
      await stayerSide.context.close();
    }
  });

  test('messages from a blocked member are collapsed; the privacy page lists the block and undoes it', async ({
    page,
    browser,
  }) => {
    test.slow();
    const reader = await registerMember(page, 'Reader');
    const writerSide = await newBrowserPage(browser);
    try {
      const writer = await registerMember(writerSide.page, 'Pest');
      const text = `Buy cheap watches at my shop ${tag()}`;
      const thread = await startConversation(writerSide.page, reader, text);

      await gotoHydrated(page, thread);
      const message = messageWith(page, text);
      await expect(message).toHaveCount(1);
      const actions = await openMessageActions(message);
      await expect(actions.report).toBeVisible();
      await actions.block(writer.name).click();
      await expect(
        statusSaying(message, `You blocked ${writer.name}. They can't start conversations with you.`),
      ).toBeVisible();

      await gotoHydrated(page, thread);
      const collapsed = threadList(page).locator('details.collapsed-message');
      await expect(collapsed).toHaveCount(1);
      await expect(collapsed.locator('summary')).toHaveText('Message from a member you blocked');
      await expect(collapsed.getByText(text)).toBeHidden();
      await collapsed.locator('summary').click();
      await expect(collapsed.getByText(text)).toBeVisible();

      await gotoHydrated(page, '/settings/privacy');
      const section = blockedSection(page);
      await expect(section.getByRole('button', { name: `Unblock ${writer.name}`, exact: true })).toBeVisible();
      await expect(section.getByText('You have not blocked anyone.')).toHaveCount(0);
      await section.getByRole('button', { name: `Unblock ${writer.name}`, exact: true }).click();
      await expect(section.getByText('You have not blocked anyone.')).toBeVisible();
      await expect(section.getByRole('button', { name: `Unblock ${writer.name}`, exact: true })).toHaveCount(0);

      await gotoHydrated(page, thread);
      await expect(threadList(page).locator('details.collapsed-message')).toHaveCount(0);
      await expect(messageWith(page, text).locator('.message-body')).toHaveText(text);
      await expect(messageWith(page, text).locator('.message-body')).toBeVisible();
    } finally {
      await writerSide.context.close();
    }
  });

  test('the moderation pages refuse a plain member and open for the administrator', async ({ page, browser }) => {
    const member = await registerMember(page, 'Curious');
    for (const path of ['/moderation', '/moderation/log']) {
      await gotoHydrated(page, path);
      await expect(page.getByText(NOT_ALLOWED, { exact: true })).toBeVisible();
      await expect(page.locator('article.report')).toHaveCount(0);
      await expect(page.getByRole('table')).toHaveCount(0);
      for (const name of ['Dismiss', 'Remove message', 'Warn author', 'Suspend author']) {
        await expect(page.getByRole('button', { name, exact: true })).toHaveCount(0);
      }
    }
    const header = await openAccountMenu(page, member.name);
    await expect(header.getByRole('link', { name: 'Moderation', exact: true })).toHaveCount(0);

    const adminSide = await newBrowserPage(browser);
    try {
      const admin = adminSide.page;
      await signIn(admin, ADMINISTRATOR.email, ADMINISTRATOR.name, DEMO_PASSWORD);
      const adminHeader = await openAccountMenu(admin, ADMINISTRATOR.name);
      await expect(adminHeader.getByRole('link', { name: 'Moderation', exact: true })).toHaveAttribute(
        'href',
        '/moderation',
      );
      await gotoHydrated(admin, '/moderation');
      await expect(admin.getByRole('heading', { level: 1, name: 'Reports to review' })).toBeVisible();
      await expect(admin.getByText(NOT_ALLOWED, { exact: true })).toHaveCount(0);
      await gotoHydrated(admin, '/moderation/log');
      await expect(admin.getByRole('heading', { level: 1, name: 'Moderation audit log' })).toBeVisible();
    } finally {
      await adminSide.context.close();
    }
  });
});
