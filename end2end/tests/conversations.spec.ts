import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Browser, type BrowserContext, type Locator, type Page } from '@playwright/test';
import {
  DEMO,
  expectNoHorizontalOverflow,
  gotoHydrated,
  registerMember,
  signIn,
  TINY_PNG,
  waitForHydration,
} from './helpers';

// Conversations: starting one (dialog and page), the recipient picker, the
// message limits, threads and replies, group inboxes, privacy and accessibility.
//
// Every test runs in both projects, in parallel, against one shared database.
// Starting a conversation with exactly the same people reopens the old one, so
// each test that starts conversations does it as a member it registers itself.

// ---------------------------------------------------------------------------
// Locators and small steps
// ---------------------------------------------------------------------------

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A short tag that makes this run's message texts unique. */
const tag = () => Math.random().toString(36).slice(2, 8);

/** The start-conversation dialog (a native modal <dialog>). */
function composeDialog(page: Page) {
  return page.getByRole('dialog', { name: 'Start a conversation' });
}

/** The parts of the start form, inside `scope` (the dialog, or the page for /conversations/new). */
function composeForm(scope: Page | Locator) {
  const listbox = scope.getByRole('listbox', { name: 'Matching members and groups' });
  return {
    search: scope.getByRole('combobox', { name: 'To' }),
    listbox,
    // The "Send as" <select> has options too: only the listbox's count here.
    options: listbox.getByRole('option'),
    chips: scope.getByRole('list', { name: 'Chosen recipients' }).getByRole('listitem'),
    toError: scope.locator('#compose-to-error'),
    body: scope.getByRole('textbox', { name: 'Message', exact: true }),
    counter: scope.locator('#compose-counter'),
    bodyError: scope.locator('#compose-body-error'),
    send: scope.getByRole('button', { name: 'Send', exact: true }),
  };
}

/** The option for `name` in the picker's listbox, with its visible kind label. */
function option(listbox: Locator, name: string) {
  return listbox
    .getByRole('option')
    .filter({ has: listbox.page().locator('.option-name').getByText(name, { exact: true }) });
}

/** A chosen recipient's chip. */
function chip(scope: Page | Locator, name: string) {
  return scope
    .getByRole('list', { name: 'Chosen recipients' })
    .getByRole('listitem')
    .filter({ hasText: name });
}

/** Types `query` in the picker, waits for the listbox and clicks `name`, checking its kind label. */
async function pickByMouse(scope: Page | Locator, query: string, name: string, kind: 'Member' | 'Group') {
  const form = composeForm(scope);
  await form.search.fill(query);
  await expect(form.listbox).toBeVisible();
  const match = option(form.listbox, name);
  await expect(match).toHaveCount(1);
  await expect(match.locator('.option-kind')).toHaveText(kind);
  await expect(match.locator('.option-kind')).toBeVisible();
  await match.click();
  await expect(chip(scope, name)).toBeVisible();
  await expect(form.listbox).toBeHidden();
  await expect(form.search).toHaveValue('');
}

/** The messages of the open thread, oldest first. */
function messages(page: Page) {
  return page.getByRole('list', { name: 'Messages' }).locator('li.message');
}

/** The thread's reply form. */
function replyForm(page: Page) {
  return {
    body: page.getByRole('textbox', { name: 'Reply', exact: true }),
    counter: page.locator('#reply-counter'),
    error: page.locator('#reply-error'),
    send: page.locator('form.reply').getByRole('button', { name: 'Send', exact: true }),
  };
}

/** Waits for the thread page the app navigates to after Send and returns its path. */
async function expectThread(page: Page): Promise<string> {
  await expect(page).toHaveURL(/\/conversations\/\d+$/);
  await expect(page.getByRole('list', { name: 'Messages' })).toBeVisible();
  return new URL(page.url()).pathname;
}

/** Opens the start page with `to` preselected (what a contact icon links to without JS). */
async function openStartPage(page: Page, to: string, preselectedName: string) {
  await gotoHydrated(page, `/conversations/new?to=${to}`);
  await expect(page.getByRole('heading', { level: 1, name: 'Start a conversation' })).toBeVisible();
  await expect(chip(page, preselectedName)).toBeVisible();
}

/** Starts a conversation from the start page and returns the thread's path. */
async function startConversation(page: Page, to: string, preselectedName: string, text: string): Promise<string> {
  await openStartPage(page, to, preselectedName);
  const form = composeForm(page);
  await form.body.fill(text);
  await form.send.click();
  const path = await expectThread(page);
  await expect(messages(page).last().locator('.message-body')).toHaveText(text);
  return path;
}

/** A second, independent browser (own cookies) with the same project settings. */
async function newBrowserPage(browser: Browser): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  return { context, page };
}

/** The open dialog lies within the viewport's width and needs no sideways scrolling inside. */
async function expectDialogFits(page: Page, what: string) {
  const box = await composeDialog(page).evaluate((dialog) => {
    const rect = dialog.getBoundingClientRect();
    return {
      left: rect.left,
      right: rect.right,
      scrollWidth: dialog.scrollWidth,
      clientWidth: dialog.clientWidth,
      viewport: window.innerWidth,
    };
  });
  const detail = `${what}: ${JSON.stringify(box)}`;
  expect(box.left, detail).toBeGreaterThanOrEqual(0);
  expect(box.right, detail).toBeLessThanOrEqual(box.viewport);
  expect(box.scrollWidth, detail).toBeLessThanOrEqual(box.clientWidth);
}

type AxeResults = Awaited<ReturnType<AxeBuilder['analyze']>>;
type Violation = AxeResults['violations'][number];

/** One readable block per violation: rule, impact, help link and each offending element. */
function describeViolations(violations: Violation[]): string {
  return violations
    .map((v) => {
      const nodes = v.nodes
        .map((n) => `    - ${n.target.join(' ')}\n      ${n.html}\n      ${n.failureSummary?.replace(/\n/g, '\n      ') ?? ''}`)
        .join('\n');
      return `[${v.impact}] ${v.id}: ${v.help}\n  ${v.helpUrl}\n${nodes}`;
    })
    .join('\n\n');
}

/** Scans the page as it is now and fails listing every serious or critical WCAG 2 A/AA violation. */
async function expectNoSevereViolations(page: Page, what: string) {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa']).analyze();
  const severe = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(
    severe.map((v) => `${v.id} [${v.impact}] on ${v.nodes.length} element(s)`),
    `axe found on ${what}:\n\n${describeViolations(severe)}\n`,
  ).toEqual([]);
}

// ---------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------

test.describe('conversations', () => {
  test('a picture and a PDF chosen in the start dialog wait for it on any device, then go with its first message', async ({
    page,
  }) => {
    await registerMember(page, 'StartFiles');
    const t = tag();
    const openDialog = async () => {
      await gotoHydrated(page, `/members/${DEMO.alice.handle}`);
      await page.getByRole('button', { name: `Message ${DEMO.alice.name}`, exact: true }).click();
      await expect(composeDialog(page)).toBeVisible();
      return composeDialog(page);
    };
    let dialog = await openDialog();
    await dialog.locator('input[type=file]').setInputFiles([
      { name: 'dot.png', mimeType: 'image/png', buffer: TINY_PNG },
      { name: `plan-${t}.pdf`, mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n%%EOF\n') },
    ]);
    await expect(dialog.getByRole('button', { name: 'Remove dot.png', exact: true })).toBeVisible();
    await expect(dialog.getByRole('button', { name: `Remove plan-${t}.pdf`, exact: true })).toBeVisible();
    // Uploaded, they wait on the server: the dialog opened again lists them.
    dialog = await openDialog();
    await expect(dialog.locator('#start-files .pending-file')).toHaveCount(2);
    await expectDialogFits(page, 'the start dialog with two files');
    // Files alone start the conversation.
    await composeForm(dialog).send.click();
    await expectThread(page);
    await expect(dialog).toBeHidden();
    const first = messages(page).first();
    await expect(first.locator('.attachment.picture img')).toHaveAttribute('alt', 'dot.png');
    await expect(first.getByRole('link', { name: `plan-${t}.pdf` })).toHaveAttribute('href', /^\/files\/\d+\//);
  });

  test('a profile’s Message button opens the dialog with that member chosen, and sending lands on the thread', async ({
    page,
  }) => {
    await registerMember(page, 'Sender');
    await gotoHydrated(page, `/members/${DEMO.alice.handle}`);
    await expect(page.getByRole('heading', { level: 1, name: DEMO.alice.name })).toBeVisible();

    const contact = page.getByRole('button', { name: `Message ${DEMO.alice.name}`, exact: true });
    // A labelled button: "Message" on screen, whose name goes on with the member's.
    await expect(contact).toHaveText('Message');
    // Without JavaScript it is a link to the start page with Alice preselected.
    await expect(contact).toHaveAttribute('href', `/conversations/new?to=member:${DEMO.alice.handle}`);
    await contact.click();

    const dialog = composeDialog(page);
    await expect(dialog).toBeVisible();
    await expect(page).toHaveURL(new RegExp(`/members/${DEMO.alice.handle}$`));
    await expect(dialog.getByRole('heading', { level: 1, name: 'Start a conversation' })).toBeVisible();
    const form = composeForm(dialog);
    await expect(form.chips).toHaveCount(1);
    await expect(chip(dialog, DEMO.alice.name)).toBeVisible();
    await expect(dialog.getByRole('button', { name: `Remove ${DEMO.alice.name}`, exact: true })).toBeVisible();
    // A member who manages no group writes as themself: no "Send as" choice.
    await expect(dialog.getByLabel('Send as')).toHaveCount(0);
    await expectNoHorizontalOverflow(page, 'the page behind the open start dialog');
    await expectDialogFits(page, 'the open start dialog');

    const text = `Hello Alice, the agenda is at https://mautic.org/agenda-${tag()} — see you there.`;
    await form.body.fill(text);
    await expect(form.counter).toHaveText(`${Array.from(text).length} / 1,000`);
    await form.send.click();

    await expectThread(page);
    await expect(dialog).toBeHidden();
    await expect(page.locator('.thread-parties').getByRole('link', { name: DEMO.alice.name, exact: true })).toBeVisible();
    await expect(messages(page)).toHaveCount(1);
    const message = messages(page).first();
    await expect(message.locator('.message-body')).toHaveText(text);
    // Web addresses become links that pass no ranking and no access to the page.
    const link = message.locator('.message-body').getByRole('link');
    await expect(link).toHaveAttribute('href', /^https:\/\/mautic\.org\/agenda-[a-z0-9]+$/);
    await expect(link).toHaveAttribute('rel', 'nofollow ugc noopener');
    await expectNoHorizontalOverflow(page, 'the new thread');
  });

  test('a member writes to José and the Marketing group; Alice answers as Marketing', async ({ page, browser }) => {
    const sender = await registerMember(page, 'Writer');
    await gotoHydrated(page, '/');
    await page.locator('header').getByRole('link', { name: 'Conversations', exact: true }).click();
    await expect(page).toHaveURL(/\/conversations$/);
    await expect(page.getByRole('heading', { level: 1, name: 'Conversations' })).toBeVisible();
    await page.waitForLoadState('networkidle');

    await page.getByRole('button', { name: 'Start conversation', exact: true }).click();
    const dialog = composeDialog(page);
    await expect(dialog).toBeVisible();
    const form = composeForm(dialog);
    await expect(form.search).toBeVisible();
    await expect(form.chips).toHaveCount(0);

    await pickByMouse(dialog, 'jose', DEMO.jose.name, 'Member');
    await pickByMouse(dialog, 'market', 'Marketing', 'Group');
    await expect(form.chips).toHaveCount(2);
    await expect(chip(dialog, 'Marketing').locator('.badge')).toHaveText('Group');

    const first = `Question for Marketing and José ${tag()}: who prints the flyers?`;
    await form.body.fill(first);
    await form.send.click();
    const thread = await expectThread(page);
    await expect(messages(page).last().locator('.message-body')).toHaveText(first);
    const parties = page.locator('.thread-parties');
    await expect(parties.getByRole('link', { name: DEMO.jose.name, exact: true })).toBeVisible();
    await expect(parties.getByRole('link', { name: 'Marketing', exact: true })).toBeVisible();

    // Alice manages Marketing: the conversation is the group's, not her own.
    const alice = await newBrowserPage(browser);
    try {
      const alicePage = alice.page;
      await signIn(alicePage, DEMO.alice.email, DEMO.alice.name);
      await gotoHydrated(alicePage, '/conversations');
      const tabs = alicePage.getByRole('navigation', { name: 'Whose conversations' });
      await expect(tabs.getByRole('link', { name: 'Yours', exact: true })).toHaveAttribute('aria-current', 'page');
      const row = alicePage.getByRole('link', { name: new RegExp(escapeRegExp(sender.name)) });
      await expect(row).toHaveCount(0);

      await tabs.getByRole('link', { name: 'Marketing group', exact: true }).click();
      await expect(alicePage).toHaveURL(/\/conversations\?group=marketing$/);
      await expect(tabs.getByRole('link', { name: 'Marketing group', exact: true })).toHaveAttribute(
        'aria-current',
        'page',
      );
      await expect(row).toHaveCount(1);
      await expect(row).toHaveAttribute('href', thread);
      await row.click();

      await expect(alicePage).toHaveURL(new RegExp(`${thread}$`));
      await expect(messages(alicePage).last().locator('.message-body')).toHaveText(first);
      await expect(alicePage.getByText('You are answering as the Marketing group.')).toBeVisible();

      const answer = `Marketing prints them, thanks for asking ${tag()}.`;
      const reply = replyForm(alicePage);
      await reply.body.fill(answer);
      await reply.send.click();
      const sent = messages(alicePage).last();
      await expect(sent.locator('.message-body')).toHaveText(answer);
      await expect(sent.locator('.message-author')).toHaveText('Marketing');
      // The group's other managers see who wrote it.
      await expect(sent.getByText(`(written by ${DEMO.alice.name})`)).toBeVisible();

      // The sender sees the group's answer, authored by the group.
      await page.reload();
      await waitForHydration(page);
      await expect(messages(page)).toHaveCount(2);
      const received = messages(page).last();
      await expect(received.locator('.message-body')).toHaveText(answer);
      await expect(received.locator('.message-author')).toHaveText('Marketing');
      await expect(received.getByText(/written by/)).toHaveCount(0);
    } finally {
      await alice.context.close();
    }
  });

  test('a tenth recipient is refused with the reason, and the nine chosen stay', async ({ page }) => {
    await registerMember(page, 'Crowd');
    await gotoHydrated(page, '/conversations');
    await page.getByRole('button', { name: 'Start conversation', exact: true }).click();
    const dialog = composeDialog(page);
    const form = composeForm(dialog);
    await expect(form.search).toBeVisible();

    // "a" matches many members and groups; the first option is active, Enter picks it.
    // (Two demo members share a name, so the chosen ones are told apart by their tokens.)
    const tokens = () =>
      dialog.locator('.chips input[type="hidden"]').evaluateAll((inputs) => inputs.map((i) => (i as HTMLInputElement).value));
    const picked: string[] = [];
    for (let i = 0; i < 9; i++) {
      await form.search.fill('a');
      await expect(form.listbox).toBeVisible();
      await expect(form.options.first()).toHaveAttribute('aria-selected', 'true');
      picked.push((await form.options.first().locator('.option-name').textContent()) ?? '');
      await form.search.press('Enter');
      await expect(form.chips).toHaveCount(i + 1);
      await expect(form.listbox).toBeHidden();
    }
    const nine = await tokens();
    expect(new Set(nine).size, nine.join(' ')).toBe(9);
    await expect(form.toError).toBeEmpty();

    await form.search.fill('a');
    await expect(form.listbox).toBeVisible();
    await expect(form.options.first()).toHaveAttribute('aria-selected', 'true');
    await form.search.press('Enter');

    const reason = 'A conversation can include up to 9 others; remove 1 to continue.';
    await expect(form.toError).toHaveText(reason);
    await expect(form.toError).toBeVisible();
    await expect(form.toError).toHaveAttribute('role', 'alert');
    await expect(form.search).toHaveAccessibleDescription(new RegExp(escapeRegExp(reason)));
    await expect(form.chips).toHaveCount(9);
    expect(await tokens()).toEqual(nine);
    // Nine chips, the reason and the open list still fit the screen's width.
    await expectDialogFits(page, 'the dialog with nine chips and the list open');
    // The list opens over the message box instead of pushing it down (nothing
    // jumps), and Send stays in view with nine chips.
    await form.search.fill('');
    await expect(form.listbox).toBeHidden();
    const closed = await form.body.boundingBox();
    await form.search.fill('a');
    await expect(form.listbox).toBeVisible();
    const open = await form.body.boundingBox();
    expect(open?.y, 'the message box stays where it was when the list opens').toBe(closed?.y);
    await expect(form.send).toBeInViewport();
    // Removing one makes room again, and the reason goes away.
    const firstChip = form.chips.first();
    await expect(firstChip).toContainText(picked[0]);
    await firstChip.getByRole('button', { name: `Remove ${picked[0]}`, exact: true }).click();
    await expect(form.chips).toHaveCount(8);
    await expect(form.toError).toBeEmpty();
    await form.search.fill('a');
    await expect(form.listbox).toBeVisible();
    await form.search.press('Enter');
    await expect(form.chips).toHaveCount(9);
    await expect(form.toError).toBeEmpty();
  });

  test('a message may have 1,000 characters as people see them, not one more', async ({ page }) => {
    await registerMember(page, 'Counter');

    // 1,000 thumbs-up with a skin tone: 8,000 bytes, 4,000 UTF-16 units, 1,000 characters.
    const emoji = '👍🏽'.repeat(1000);
    await openStartPage(page, `member:${DEMO.jose.handle}`, DEMO.jose.name);
    let form = composeForm(page);
    await expect(form.counter).toHaveText('0 / 1,000');
    await form.body.fill(emoji);
    await expect(form.counter).toHaveText('1,000 / 1,000');
    await expect(form.body).not.toHaveAttribute('aria-invalid', 'true');
    await form.send.click();
    await expectThread(page);
    await expect(messages(page).last().locator('.message-body')).toHaveText(emoji);
    await expectNoHorizontalOverflow(page, 'a thread with 1,000 emoji');

    // Another conversation: 999 "e + combining acute" (one character each), then 2 more.
    const draft = 'e\u0301'.repeat(999);
    await openStartPage(page, `member:${DEMO.alice.handle}`, DEMO.alice.name);
    form = composeForm(page);
    await form.body.fill(draft);
    await expect(form.counter).toHaveText('999 / 1,000');
    await form.body.press('End');
    await page.keyboard.type('éé');
    await expect(form.counter).toHaveText('1,001 / 1,000');
    await expect(form.body).toHaveAttribute('aria-invalid', 'true');

    await form.send.click();
    const tooLong = 'A message is at most 1,000 characters; this one has 1,001. Shorten it by 1.';
    await expect(form.bodyError).toHaveText(tooLong);
    await expect(form.bodyError).toBeVisible();
    await expect(form.body).toHaveAccessibleDescription(new RegExp(escapeRegExp(tooLong)));
    await expect(form.body).toHaveValue(`${draft}éé`);
    await expect(page).toHaveURL(/\/conversations\/new\?/);
    await expect(chip(page, DEMO.alice.name)).toBeVisible();
  });

  test('a reply appears at the end and clears the box; the recipient sees the conversation unread', async ({
    page,
    browser,
  }) => {
    const recipientSide = await newBrowserPage(browser);
    try {
      const recipient = await registerMember(recipientSide.page, 'Reader');
      const sender = await registerMember(page, 'Replier');

      const opening = `Hi, welcome to the portal ${tag()}.`;
      const thread = await startConversation(page, `member:${recipient.handle}`, recipient.name, opening);

      const followUp = `Also: the meetup moved to Thursday ${tag()}.`;
      const reply = replyForm(page);
      await reply.body.fill(followUp);
      await expect(reply.counter).toHaveText(`${followUp.length} / 1,000`);
      await reply.send.click();
      await expect(messages(page)).toHaveCount(2);
      await expect(messages(page).last().locator('.message-body')).toHaveText(followUp);
      await expect(messages(page).first().locator('.message-body')).toHaveText(opening);
      await expect(reply.body).toHaveValue('');
      await expect(reply.counter).toHaveText('0 / 1,000');
      await expect(reply.error).toBeEmpty();

      // The recipient's inbox lists it as unread until they open it.
      const other = recipientSide.page;
      await gotoHydrated(other, '/conversations');
      await expect(other.getByRole('heading', { level: 1, name: 'Conversations' })).toBeVisible();
      const unread = other.getByRole('link', { name: `${sender.name} (unread)`, exact: true });
      await expect(unread).toBeVisible();
      await expect(unread).toHaveAttribute('href', thread);
      await unread.click();

      await expect(other).toHaveURL(new RegExp(`${thread}$`));
      await expect(messages(other)).toHaveCount(2);
      await expect(messages(other).nth(0).locator('.message-body')).toHaveText(opening);
      await expect(messages(other).nth(1).locator('.message-body')).toHaveText(followUp);
      await expect(messages(other).nth(1).locator('.message-author')).toHaveText(sender.name);

      // Once read, it is no longer marked unread.
      await gotoHydrated(other, '/conversations');
      await expect(other.getByRole('link', { name: sender.name, exact: true })).toBeVisible();
      await expect(other.getByRole('link', { name: `${sender.name} (unread)`, exact: true })).toHaveCount(0);
    } finally {
      await recipientSide.context.close();
    }
  });

  test('someone who is not in a conversation gets "Page not found" for its address', async ({ page, browser }) => {
    await registerMember(page, 'Private');
    const thread = await startConversation(
      page,
      `member:${DEMO.jose.handle}`,
      DEMO.jose.name,
      `Just between us ${tag()}.`,
    );

    const outsiderSide = await newBrowserPage(browser);
    try {
      const outsider = outsiderSide.page;
      await registerMember(outsider, 'Outsider');
      const response = await gotoHydrated(outsider, thread);
      expect(response?.status()).toBe(404);
      await expect(outsider.getByRole('heading', { level: 1, name: 'Page not found' })).toBeVisible();
      await expect(outsider.getByRole('list', { name: 'Messages' })).toHaveCount(0);
      await expect(outsider.getByText(/Just between us/)).toHaveCount(0);

      const fetched = await outsider.request.get(thread);
      expect(fetched.status()).toBe(404);
      const html = await fetched.text();
      expect(html).toContain('Page not found');
      expect(html).not.toContain('Just between us');

      // Exactly like an address where no conversation exists.
      const missing = await outsider.request.get('/conversations/999999999');
      expect(missing.status()).toBe(404);
    } finally {
      await outsiderSide.context.close();
    }
  });

  test('the start dialog works with the keyboard alone and gives focus back when closed', async ({ page }) => {
    await registerMember(page, 'Keys');
    await gotoHydrated(page, '/conversations');
    const start = page.getByRole('button', { name: 'Start conversation', exact: true });
    await start.focus();
    await expect(start).toBeFocused();
    await page.keyboard.press('Enter');

    const dialog = composeDialog(page);
    await expect(dialog).toBeVisible();
    await expect(page).toHaveURL(/\/conversations$/);
    const form = composeForm(dialog);
    await expect(form.search).toBeVisible();

    // Tab to the combobox, as a keyboard user would.
    for (let i = 0; i < 10 && !(await form.search.evaluate((el) => el === document.activeElement)); i++) {
      await page.keyboard.press('Tab');
    }
    await expect(form.search).toBeFocused();
    await expect(form.search).toHaveAttribute('aria-expanded', 'false');

    await page.keyboard.type('an');
    await expect(form.listbox).toBeVisible();
    await expect(form.search).toHaveAttribute('aria-expanded', 'true');
    expect(await form.options.count()).toBeGreaterThan(1);
    await expect(form.search).toHaveAttribute('aria-activedescendant', 'compose-option-0');
    await expect(form.options.nth(0)).toHaveAttribute('aria-selected', 'true');

    await page.keyboard.press('ArrowDown');
    await expect(form.search).toHaveAttribute('aria-activedescendant', 'compose-option-1');
    await expect(form.options.nth(1)).toHaveAttribute('aria-selected', 'true');
    await expect(form.options.nth(0)).toHaveAttribute('aria-selected', 'false');
    await page.keyboard.press('ArrowUp');
    await expect(form.search).toHaveAttribute('aria-activedescendant', 'compose-option-0');
    await page.keyboard.press('ArrowDown');
    await expect(form.search).toHaveAttribute('aria-activedescendant', 'compose-option-1');

    const chosen = (await form.options.nth(1).locator('.option-name').textContent()) ?? '';
    expect(chosen).not.toBe('');
    await page.keyboard.press('Enter');
    await expect(form.chips).toHaveCount(1);
    await expect(chip(dialog, chosen)).toBeVisible();
    await expect(form.listbox).toBeHidden();
    await expect(form.search).toBeFocused();
    await expect(dialog).toBeVisible();

    // The first Escape closes only the list.
    await page.keyboard.type('an');
    await expect(form.listbox).toBeVisible();
    await page.keyboard.press('Escape');
    await expect(form.listbox).toBeHidden();
    await expect(form.search).toHaveAttribute('aria-expanded', 'false');
    await expect(dialog).toBeVisible();
    await expect(form.search).toBeFocused();
    await expect(form.chips).toHaveCount(1);

    // The second closes the dialog, and focus returns to the control that opened it.
    await page.keyboard.press('Escape');
    await expect(dialog).toBeHidden();
    await expect(start).toBeFocused();
  });

  test('Space opens a contact icon and Start conversation; chips show handles; after Send the reply box has focus; the list says You', async ({
    page,
    browser,
  }) => {
    await registerMember(page, 'Spacey');
    const side = await newBrowserPage(browser);
    const other = await registerMember(side.page, 'Spaced');
    await side.context.close();

    await gotoHydrated(page, `/members/${other.handle}`);
    await page.getByRole('button', { name: `Message ${other.name}`, exact: true }).focus();
    await page.keyboard.press(' ');
    const dialog = composeDialog(page);
    await expect(dialog).toBeVisible();
    // Two members may share a name: the chip shows the handle too.
    await expect(chip(dialog, other.name)).toContainText(`@${other.handle}`);
    const form = composeForm(dialog);
    await form.body.fill(`Opened with the space bar ${tag()}`);
    await form.send.click();
    await expectThread(page);

    const last = `My last word ${tag()}`;
    await replyForm(page).body.fill(last);
    await replyForm(page).send.click();
    await expect(messages(page).last()).toContainText(last);
    await expect(replyForm(page).body).toBeFocused();

    await gotoHydrated(page, '/conversations');
    await expect(page.locator('li.conversation-row').first().locator('.conversation-snippet')).toHaveText(`You: ${last}`);
    await page.getByRole('button', { name: 'Start conversation', exact: true }).focus();
    await page.keyboard.press(' ');
    await expect(dialog).toBeVisible();
    // A search result shows the handle beside the name.
    await form.search.fill(other.name);
    await expect(option(form.listbox, other.name)).toContainText(`@${other.handle}`);
  });

  for (const colorScheme of ['light', 'dark'] as const) {
    test(`the open start dialog and a thread have no serious or critical WCAG 2 A/AA violations (${colorScheme} scheme)`, async ({
      page,
    }) => {
      await page.emulateMedia({ colorScheme });
      await registerMember(page, 'Axe');
      await gotoHydrated(page, `/members/${DEMO.alice.handle}`);
      await page.getByRole('button', { name: `Message ${DEMO.alice.name}`, exact: true }).click();
      const dialog = composeDialog(page);
      const form = composeForm(dialog);
      await expect(chip(dialog, DEMO.alice.name)).toBeVisible();
      await form.search.fill('jo');
      await expect(form.listbox).toBeVisible();
      await expect(form.options.first()).toBeVisible();
      await expectNoSevereViolations(page, 'the start dialog with a chip and the listbox open');

      await form.search.press('Escape');
      await expect(form.listbox).toBeHidden();
      await form.body.fill(`Checking the thread page ${tag()}, see https://mautic.org/`);
      await form.send.click();
      await expectThread(page);
      await expect(messages(page)).toHaveCount(1);
      await replyForm(page).body.fill('A draft reply');
      await expectNoSevereViolations(page, 'a thread page');
    });
  }
});
