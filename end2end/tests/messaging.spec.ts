import { expect, test, type Locator, type Page } from '@playwright/test';
import {
  DEMO,
  MEMBER_PASSWORD,
  expectNotReloaded,
  expectThread,
  gotoHydrated,
  markDocument,
  messages,
  newBrowserPage,
  registerMember,
  reply,
  replyForm,
  signIn,
  tag,
  TINY_PNG,
  waitForLiveStream,
} from './helpers';

// Messaging as people expect it: editing and deleting one's own message and
// replying to one, each followed live by the other participant's open thread.
// Every test writes its own messages (a fresh author, a random tag), so both
// projects run it in parallel against one database.

/** The one message of the open thread whose text contains `text`. */
function messageWith(page: Page, text: string) {
  return messages(page).filter({ hasText: text });
}

/** Opens a message's "⋯" menu and returns its items. */
async function openMenu(message: Locator) {
  const details = message.locator('details.message-actions');
  if (!(await details.evaluate((d) => (d as HTMLDetailsElement).open))) await details.locator('summary').click();
  await expect(details).toHaveAttribute('open', '');
  return {
    reply: details.getByRole('button', { name: 'Reply', exact: true }),
    edit: details.getByRole('button', { name: 'Edit', exact: true }),
    delete: details.getByRole('button', { name: 'Delete', exact: true }),
    report: details.getByRole('button', { name: 'Report message', exact: true }),
    react: (name: string) => details.getByRole('button', { name: `React with ${name}`, exact: true }),
    markUnread: details.getByRole('button', { name: 'Mark as unread', exact: true }),
  };
}

/** Starts a conversation with Bob from the start page; returns the thread's path. */
async function startWithBob(page: Page, text: string): Promise<string> {
  await gotoHydrated(page, `/conversations/new?to=member:${DEMO.bob.handle}`);
  await page.getByRole('textbox', { name: 'Message', exact: true }).fill(text);
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  const path = await expectThread(page);
  await expect(messages(page).last().locator('.message-body')).toHaveText(text);
  return path;
}

test.describe('editing, deleting and replying', () => {
  test('the author edits and deletes a message, Bob replies to one; each side follows live', async ({
    page,
    browser,
  }) => {
    test.slow();
    const authorSide = await newBrowserPage(browser);
    try {
      const author = authorSide.page;
      const me = await registerMember(author, 'Editor');
      const t = tag();
      const opening = `Meet at ten ${t}`;
      const typo = `Bring teh slides ${t}`;
      const fixed = `Bring the slides ${t}`;
      const thread = await startWithBob(author, opening);
      await reply(author, typo);

      await waitForLiveStream(author);
      await signIn(page, DEMO.bob.email, DEMO.bob.name);
      await gotoHydrated(page, thread);
      await waitForLiveStream(page);
      const mark = await markDocument(page);
      // Bob has read it: the author sees so under the last message, live.
      await expect(messageWith(author, typo).locator('.seen-by')).toHaveText(`Seen by ${DEMO.bob.name}`);

      // Bob's menu on the author's message: reply and report, nothing to change.
      const bobsMenu = await openMenu(messageWith(page, typo));
      await expect(bobsMenu.reply).toBeVisible();
      await expect(bobsMenu.report).toBeVisible();
      await expect(bobsMenu.edit).toHaveCount(0);
      await expect(bobsMenu.delete).toHaveCount(0);
      await messageWith(page, typo).locator('details.message-actions summary').click();

      // The author fixes the typo in place.
      const menu = await openMenu(messageWith(author, typo));
      await expect(menu.report).toHaveCount(0);
      await menu.edit.click();
      const box = author.getByRole('textbox', { name: 'Edit message' });
      await expect(box).toHaveValue(typo);
      await box.fill(fixed);
      await author.getByRole('button', { name: 'Save', exact: true }).click();
      await expect(messageWith(author, fixed).locator('.message-body')).toHaveText(fixed);
      await expect(messageWith(author, fixed).locator('.edited')).toHaveText('edited');

      // Bob sees the new text, marked edited, without a reload.
      const edited = messageWith(page, fixed);
      await expect(edited.locator('.message-body')).toHaveText(fixed);
      await expect(edited.locator('.edited')).toBeVisible();
      await expect(page.getByText(typo)).toHaveCount(0);

      // Bob reacts from the menu; the author sees it live and adds theirs from the chip.
      const bobsMenuAgain = await openMenu(messageWith(page, opening));
      await bobsMenuAgain.react('thumbs up').click();
      const bobsChip = messageWith(page, opening).locator('.reactions').getByRole('button', { name: /^thumbs up:/ });
      await expect(bobsChip).toHaveAttribute('aria-pressed', 'true');
      await expect(bobsChip).toHaveAccessibleName('thumbs up: you');
      const authorsChip = messageWith(author, opening).locator('.reactions').getByRole('button', { name: /^thumbs up:/ });
      await expect(authorsChip).toHaveAccessibleName(`thumbs up: ${DEMO.bob.name}`);
      await expect(authorsChip).toHaveAttribute('aria-pressed', 'false');
      await authorsChip.click();
      await expect(authorsChip).toHaveAttribute('aria-pressed', 'true');
      await expect(authorsChip).toContainText('2');
      await expect(bobsChip).toHaveAccessibleName(`thumbs up: ${me.name} and you`);

      // Bob answers the opening message: his reply quotes it, and the quote leads there.
      await (await openMenu(messageWith(page, opening))).reply.click();
      await expect(page.locator('form.reply .replying-to')).toContainText(`Replying to ${me.name}`);
      await expect(replyForm(page).body).toBeFocused();
      const answer = `Ten is fine ${t}`;
      // While Bob types, the author sees it; his message ends it.
      await replyForm(page).body.fill(answer);
      await expect(author.locator('p.typing')).toHaveText(`${DEMO.bob.name} is typing…`);
      await replyForm(page).send.click();
      await expect(messages(page).last().locator('.message-body')).toHaveText(answer);
      await expect(author.locator('p.typing')).toHaveText('');
      await expect(page.locator('form.reply .replying-to')).toHaveCount(0);
      const quote = messageWith(page, answer).locator('a.reply-quote');
      await expect(quote).toContainText(opening);
      const openingId = await messageWith(page, opening).first().getAttribute('id');
      await quote.click();
      await expect(page).toHaveURL(new RegExp(`#${openingId}$`));
      await expect(messageWith(author, answer).locator('a.reply-quote')).toContainText(opening);

      // The author deletes the fixed message: both threads say so, its text is gone.
      await (await openMenu(messageWith(author, fixed))).delete.click();
      const confirm = author.getByRole('form', { name: 'Delete this message' });
      await confirm.getByRole('button', { name: 'Delete', exact: true }).click();
      for (const side of [author, page]) {
        await expect(side.getByText(fixed)).toHaveCount(0);
        await expect(side.locator('li.message.gone').filter({ hasText: 'Message deleted' })).toHaveCount(1);
      }
      await expectNotReloaded(page, mark, 'Bob’s thread');
    } finally {
      await authorSide.context.close();
    }
  });

  test('an edit that breaks the rules is refused in place and the new text is kept', async ({ page }) => {
    await registerMember(page, 'Refused');
    const text = `Short and sweet ${tag()}`;
    await startWithBob(page, text);
    await (await openMenu(messageWith(page, text))).edit.click();
    const box = page.getByRole('textbox', { name: 'Edit message' });
    const long = 'y'.repeat(1001);
    await box.fill(long);
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect(page.locator('form.edit-form').getByRole('alert')).toContainText('1,000 characters');
    await expect(box).toHaveValue(long);
    await page.locator('form.edit-form').getByRole('button', { name: 'Cancel' }).click();
    await expect(messageWith(page, text).locator('.message-body')).toHaveText(text);
  });

  test('a thread opens at its first unread message, and "Mark as unread" puts it back in the list as unread', async ({
    page,
    browser,
  }) => {
    const authorSide = await newBrowserPage(browser);
    try {
      const me = await registerMember(authorSide.page, 'Unread');
      const t = tag();
      const first = `First news ${t}`;
      const second = `Second news ${t}`;
      const thread = await startWithBob(authorSide.page, first);
      await reply(authorSide.page, second);

      await signIn(page, DEMO.bob.email, DEMO.bob.name);
      await gotoHydrated(page, thread);
      const divider = page.locator('ol.messages > li.unread-divider');
      await expect(divider).toHaveText('New messages');
      // Right above the first message Bob had not read.
      await expect(page.locator('ol.messages > li.unread-divider + li.message')).toContainText(first);
      await expect(page.getByRole('link', { name: 'Jump to new messages' })).toBeVisible();
      await expect(divider).toBeInViewport();

      await gotoHydrated(page, thread);
      await expect(page.locator('ol.messages > li.message').filter({ hasText: second })).toBeVisible();
      await expect(divider).toHaveCount(0);

      const menu = await openMenu(messageWith(page, second));
      await menu.markUnread.click();
      await expect(page).toHaveURL(/\/conversations$/);
      await expect(page.getByRole('link', { name: `${me.name} (unread)`, exact: true })).toBeVisible();
      await gotoHydrated(page, thread);
      await expect(page.locator('ol.messages > li.unread-divider + li.message')).toContainText(second);
    } finally {
      await authorSide.context.close();
    }
  });

  test('an unsent reply follows the member to another device, and sending clears it', async ({ page, browser }) => {
    const me = await registerMember(page, 'Drafter');
    const t = tag();
    const thread = await startWithBob(page, `Draft test ${t}`);
    const draft = `Still thinking about it ${t}`;
    await replyForm(page).body.fill(draft);

    // The same member on another device (a browser of its own, signed in there).
    const other = await newBrowserPage(browser);
    try {
      await signIn(other.page, me.email, me.name, MEMBER_PASSWORD);
      await expect(async () => {
        await gotoHydrated(other.page, thread);
        await expect(replyForm(other.page).body).toHaveValue(draft, { timeout: 1_000 });
      }).toPass({ timeout: 15_000 });

      await replyForm(other.page).send.click();
      await expect(messages(other.page).last().locator('.message-body')).toHaveText(draft);
      await gotoHydrated(page, thread);
      await expect(replyForm(page).body).toHaveValue('');
    } finally {
      await other.context.close();
    }
  });

  test('a member stops sharing read receipts from the privacy page', async ({ page }) => {
    await registerMember(page, 'Private');
    await gotoHydrated(page, '/settings/privacy');
    const section = page.getByRole('region', { name: 'Read receipts' });
    await section.getByRole('button', { name: 'Stop sharing read receipts' }).click();
    await expect(section.getByRole('button', { name: 'Share read receipts' })).toBeVisible();
    await expect(section).toContainText('you do not see how far others have read');
    await gotoHydrated(page, '/settings/privacy');
    await expect(section.getByRole('button', { name: 'Share read receipts' })).toBeVisible();
  });
});

test.describe('formatting', () => {
  test('a formatted reply looks the same in the preview, in the thread and live on the other side', async ({
    page,
    browser,
  }) => {
    test.slow();
    const authorSide = await newBrowserPage(browser);
    try {
      const author = authorSide.page;
      await registerMember(author, 'Formatter');
      const t = tag();
      const thread = await startWithBob(author, `Agenda ${t}`);
      await signIn(page, DEMO.bob.email, DEMO.bob.name);
      await gotoHydrated(page, thread);
      await waitForLiveStream(page);

      const text = [
        `**Bold ${t}** and \`npm run build\``,
        '- first item',
        '- second item',
        '',
        '> a quoted line',
        '',
        '[the docs](https://example.org/docs) and [not a link](javascript:alert(1))',
      ].join('\n');
      await replyForm(author).body.fill(text);
      const previewButton = author.getByRole('button', { name: 'Preview', exact: true });
      await previewButton.click();
      const preview = author.locator('#reply-body-preview');
      await expect(preview).toBeVisible();
      await expect(preview.locator('strong')).toHaveText(`Bold ${t}`);
      await expect(preview.locator('code')).toHaveText('npm run build');
      await expect(preview.locator('li')).toHaveText(['first item', 'second item']);
      // The preview follows the text as it changes.
      await replyForm(author).body.fill(`${text}\n- a third`);
      await expect(preview.locator('li')).toHaveCount(3);
      await author.getByRole('button', { name: 'Hide preview', exact: true }).click();
      await expect(preview).toBeHidden();
      await replyForm(author).body.fill(text);
      await replyForm(author).send.click();

      for (const side of [author, page]) {
        const message = messageWith(side, `Bold ${t}`);
        const body = message.locator('.message-body');
        await expect(body.locator('strong')).toHaveText(`Bold ${t}`);
        await expect(body.locator('code')).toHaveText('npm run build');
        await expect(body.locator('li')).toHaveText(['first item', 'second item']);
        await expect(body.locator('blockquote')).toHaveText('a quoted line');
        const docs = body.getByRole('link', { name: 'the docs' });
        await expect(docs).toHaveAttribute('href', 'https://example.org/docs');
        await expect(docs).toHaveAttribute('rel', /nofollow/);
        await expect(body.getByRole('link', { name: 'not a link' })).toHaveCount(0);
        await expect(body).toContainText('[not a link](javascript:alert(1))');
      }
    } finally {
      await authorSide.context.close();
    }
  });
});

test.describe('pictures and files', () => {
  test('a member attaches a picture and a PDF; Bob sees both live and opens the picture', async ({
    page,
    browser,
  }) => {
    test.slow();
    const authorSide = await newBrowserPage(browser);
    try {
      const author = authorSide.page;
      await registerMember(author, 'Attacher');
      const t = tag();
      const thread = await startWithBob(author, `Files ${t}`);
      await signIn(page, DEMO.bob.email, DEMO.bob.name);
      await gotoHydrated(page, thread);
      await waitForLiveStream(page);

      const input = author.locator('form.reply input[type=file]');
      const pending = author.locator('#reply-files .pending-file');
      // A file that is not what its name says is refused in place, with the reason.
      await input.setInputFiles({ name: 'cat.png', mimeType: 'image/png', buffer: Buffer.from('<html></html>') });
      await expect(author.locator('#reply-files .field-error').filter({ hasText: 'is not a JPEG, PNG or WebP' })).toBeVisible();
      await author.getByRole('button', { name: 'Dismiss', exact: true }).click();
      await input.setInputFiles([
        { name: 'dot.png', mimeType: 'image/png', buffer: TINY_PNG },
        { name: `minutes-${t}.pdf`, mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n%%EOF\n') },
      ]);
      // Both ready to go (Send waits while a file uploads); a transparent
      // picture stays a PNG once re-encoded.
      await expect(author.getByRole('button', { name: 'Remove dot.png', exact: true })).toBeVisible();
      await expect(author.getByRole('button', { name: `Remove minutes-${t}.pdf`, exact: true })).toBeVisible();
      await expect(pending).toHaveCount(2);
      await replyForm(author).body.fill(`With files ${t}`);
      await replyForm(author).send.click();
      await expect(pending).toHaveCount(0);

      for (const side of [author, page]) {
        const message = messageWith(side, `With files ${t}`);
        const picture = message.locator('.attachment.picture img');
        await expect(picture).toBeVisible();
        await expect(picture).toHaveAttribute('alt', 'dot.png');
        await expect.poll(() => picture.evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBeGreaterThan(0);
        await expect(message.getByRole('link', { name: `minutes-${t}.pdf` })).toHaveAttribute('href', /^\/files\/\d+\//);
      }
      // Full size, as the picture's link opens it: an image, never a page.
      const full = await messageWith(page, `With files ${t}`).locator('.attachment.picture a').getAttribute('href');
      const answer = await page.request.get(full ?? '');
      expect(answer.status()).toBe(200);
      expect(answer.headers()['content-type']).toBe('image/png');
      expect(answer.headers()['content-security-policy']).toMatch(/^sandbox/);
    } finally {
      await authorSide.context.close();
    }
  });
});

test.describe('search', () => {
  test('a member searches their messages from the list and opens the thread of a hit', async ({ page }) => {
    await registerMember(page, 'Searcher');
    const t = tag();
    const word = `kiwi${t.replace(/[^a-z0-9]/gi, '')}`;
    const thread = await startWithBob(page, `Bring the ${word} crate, por favor`);
    await reply(page, `Nothing to find here ${t}`);
    await gotoHydrated(page, '/conversations');
    const box = page.getByRole('searchbox', { name: 'Search messages' });
    await box.fill(word.toUpperCase());
    await box.press('Enter');
    await expect(page).toHaveURL(/\/conversations\/search\?q=/);
    const results = page.getByRole('list', { name: 'Messages found' });
    await expect(results.locator('li')).toHaveCount(1);
    await expect(results.locator('mark')).toHaveText(word);
    await results.getByRole('link', { name: `With ${DEMO.bob.name}` }).click();
    await expect(page).toHaveURL(new RegExp(`${thread}\\?at=(\\d+)#message-\\1$`));
    await expect(page.locator(`li.message:has-text("${word}")`)).toBeVisible();
    // Nothing found says so.
    await gotoHydrated(page, `/conversations/search?q=nothing${word}`);
    await expect(page.getByRole('status').filter({ hasText: 'No messages found' })).toBeVisible();
  });
});
