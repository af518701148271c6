import { expect, test, type Browser, type Page } from '@playwright/test';
import { DEMO, DEMO_PASSWORD, MEMBER_PASSWORD, accountMenu, freshHandle, moreActions, openThreadOptions, registerMember, tag } from './helpers';

// The portal with JavaScript turned off: every page is the server's HTML and every
// form posts itself. What a member can do must not depend on the client loading.
test.use({ javaScriptEnabled: false });

/** A browser context of its own (JavaScript off, as above), signed in as a new member. */
async function newMember(browser: Browser, label: string) {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  const account = await registerMember(page, label);
  return { context, page, account };
}

/** Starts a conversation from a member's profile: its Message button is a link to the start page. */
async function startFromProfile(page: Page, handle: string, name: string, text: string) {
  await page.goto(`/members/${handle}`);
  await page.getByRole('button', { name: `Message ${name}` }).click();
  await expect(page).toHaveURL(new RegExp(`/conversations/new\\?to=member:${handle}$`));
  await page.getByLabel('Message', { exact: true }).fill(text);
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(page).toHaveURL(/\/conversations\/\d+$/);
  await expect(page.getByRole('list', { name: 'Messages' })).toContainText(text);
}

test.describe('without JavaScript', () => {
  test('sign-in refuses a wrong password on the page, keeps the email, then signs in and goes on', async ({
    browser,
    page,
  }) => {
    // A member of this test's own, so no other test's sign-ins count with its one failure.
    const elsewhere = await browser.newContext();
    const account = await registerMember(await elsewhere.newPage(), 'SignIn');
    await elsewhere.close();
    await page.goto('/sign-in?next=/groups');
    await expect(page.locator('html[data-hydrated]')).toHaveCount(0);
    const email = page.getByLabel('Email', { exact: true });
    const password = page.getByLabel('Password', { exact: true });
    await email.fill(account.email);
    await password.fill('not-the-right-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').filter({ hasText: 'do not match an account' })).toBeVisible();
    await expect(page.locator('body')).not.toContainText('"kind"');
    await expect(email).toHaveValue(account.email);
    await expect(password).toHaveValue('');

    await password.fill(MEMBER_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL(/\/groups$/);
    await expect(accountMenu(page, account.name)).toBeAttached();
  });

  test('registering refuses a guessable password with advice, keeps the rest, then creates the account', async ({
    page,
  }) => {
    const handle = freshHandle();
    const name = `E2E NoScript ${handle.slice(3)}`;
    await page.goto('/register');
    await page.getByLabel('Display name').fill(name);
    await page.getByLabel('Handle').fill(handle);
    await page.getByLabel('Email').fill(`${handle}@example.org`);
    await page.getByLabel('Password').fill('Password123!');
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect(page.locator('#field-password-error')).toContainText('too easy to guess');
    await expect(page.getByLabel('Display name')).toHaveValue(name);
    await expect(page.getByLabel('Handle')).toHaveValue(handle);
    await expect(page.getByLabel('Password')).toHaveValue('');

    await page.getByLabel('Password').fill(MEMBER_PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect(page).toHaveURL(new RegExp(`/members/${handle}$`));
    await expect(accountMenu(page, name)).toBeAttached();
  });

  test('a conversation starts from a profile, a refused reply keeps its text, and a reply is sent', async ({
    browser,
  }) => {
    const { context, page } = await newMember(browser, 'Starter');
    const opening = `Hello without script ${tag()}`;
    await startFromProfile(page, DEMO.alice.handle, DEMO.alice.name, opening);

    const reply = page.getByLabel('Reply', { exact: true });
    const tooLong = `${'long '.repeat(201)}${tag()}`;
    await reply.fill(tooLong);
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await expect(page.locator('#reply-error')).toContainText('1,000');
    await expect(reply).toHaveValue(tooLong);

    const text = `A plain reply ${tag()}`;
    await reply.fill(text);
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await expect(page).toHaveURL(/\/conversations\/\d+$/);
    await expect(page.getByRole('list', { name: 'Messages' })).toContainText(text);
    await expect(reply).toHaveValue('');
    await context.close();
  });

  test('files are uploaded with the start form, which comes back with its recipient and text, and go with the first message', async ({
    browser,
  }) => {
    const { context, page } = await newMember(browser, 'NoScriptStartFiles');
    try {
      const t = tag();
      await page.goto(`/members/${DEMO.bob.handle}`);
      await page.getByRole('button', { name: `Message ${DEMO.bob.name}` }).click();
      await page.getByLabel('Message', { exact: true }).fill(`The plan ${t}`);
      await page.locator('form.compose-form input[type=file]').setInputFiles([
        { name: `plan-${t}.pdf`, mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n%%EOF\n') },
        { name: `extra-${t}.txt`, mimeType: 'text/plain', buffer: Buffer.from('extra') },
      ]);
      await page.getByRole('button', { name: 'Upload files', exact: true }).click();
      await expect(page).toHaveURL(new RegExp(`/conversations/new\\?to=member:${DEMO.bob.handle}&attach=attached#start-files$`));
      const pending = page.locator('#start-files .pending-file');
      await expect(pending).toHaveCount(2);
      await expect(page.getByLabel('Message', { exact: true })).toHaveValue(`The plan ${t}`);
      await page.getByRole('button', { name: `Remove extra-${t}.txt`, exact: true }).click();
      await expect(page).toHaveURL(new RegExp(`/conversations/new\\?to=member:${DEMO.bob.handle}#start-files$`));
      await expect(pending).toHaveCount(1);
      await page.getByRole('button', { name: 'Send', exact: true }).click();
      await expect(page).toHaveURL(/\/conversations\/\d+$/);
      const first = page.getByRole('list', { name: 'Messages' }).locator('li.message').filter({ hasText: `The plan ${t}` });
      await expect(first.getByRole('link', { name: `plan-${t}.pdf` })).toBeVisible();
      await expect(first.getByRole('link', { name: `extra-${t}.txt` })).toHaveCount(0);
    } finally {
      await context.close();
    }
  });

  test('files are uploaded with the reply box, one removed, and the rest sent with the text', async ({ browser }) => {
    const { context, page } = await newMember(browser, 'NoScriptFiles');
    try {
      const t = tag();
      await startFromProfile(page, DEMO.bob.handle, DEMO.bob.name, `Files without script ${t}`);
      const box = page.getByLabel('Reply', { exact: true });
      await box.fill(`The agenda ${t}`);
      await page.locator('form.reply input[type=file]').setInputFiles([
        { name: `agenda-${t}.pdf`, mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n%%EOF\n') },
        { name: `notes-${t}.txt`, mimeType: 'text/plain', buffer: Buffer.from('notes') },
      ]);
      await page.getByRole('button', { name: 'Upload files', exact: true }).click();
      await expect(page).toHaveURL(/\?attach=attached#reply-files$/);
      const pending = page.locator('#reply-files .pending-file');
      await expect(pending).toHaveCount(2);
      await expect(box).toHaveValue(`The agenda ${t}`);
      await page.getByRole('button', { name: `Remove notes-${t}.txt`, exact: true }).click();
      await expect(pending).toHaveCount(1);
      await expect(page.getByLabel('Reply', { exact: true })).toHaveValue(`The agenda ${t}`);
      await page.getByRole('button', { name: 'Send', exact: true }).click();
      const sent = page.getByRole('list', { name: 'Messages' }).locator('li.message').filter({ hasText: `The agenda ${t}` });
      await expect(sent.getByRole('link', { name: `agenda-${t}.pdf` })).toBeVisible();
      await expect(page.locator('#reply-files .pending-file')).toHaveCount(0);
      // A file of a kind the portal does not take: the thread says why, the text stays.
      await page.getByLabel('Reply', { exact: true }).fill(`Kept ${t}`);
      await page.locator('form.reply input[type=file]').setInputFiles({ name: 'run.exe', mimeType: 'application/octet-stream', buffer: Buffer.from('MZ') });
      await page.getByRole('button', { name: 'Upload files', exact: true }).click();
      await expect(page).toHaveURL(/\?attach=kind#reply-files$/);
      await expect(page.locator('#reply-files .field-error')).toContainText('can be attached');
      await expect(page.getByLabel('Reply', { exact: true })).toHaveValue(`Kept ${t}`);
    } finally {
      await context.close();
    }
  });

  test('mute and unmute a conversation, block and unblock a member', async ({ browser }) => {
    const { context, page } = await newMember(browser, 'Muter');
    await startFromProfile(page, DEMO.bob.handle, DEMO.bob.name, `To mute ${tag()}`);
    await openThreadOptions(page);
    await page.getByRole('button', { name: 'Mute', exact: true }).click();
    await openThreadOptions(page);
    await expect(page.getByRole('button', { name: 'Unmute', exact: true })).toHaveAttribute('aria-pressed', 'true');
    await page.getByRole('button', { name: 'Unmute', exact: true }).click();
    await openThreadOptions(page);
    await expect(page.getByRole('button', { name: 'Mute', exact: true })).toHaveAttribute('aria-pressed', 'false');

    await page.goto(`/members/${DEMO.bob.handle}`);
    // The "⋯" menu is a <details>: it opens without JavaScript.
    await moreActions(page, DEMO.bob.name).click();
    await page.getByRole('button', { name: `Block ${DEMO.bob.name}` }).click();
    await expect(page).toHaveURL(new RegExp(`/members/${DEMO.bob.handle}$`));
    await moreActions(page, DEMO.bob.name).click();
    await expect(page.getByRole('button', { name: `Unblock ${DEMO.bob.name}` })).toBeVisible();
    await page.goto('/settings/privacy');
    await expect(page.getByRole('link', { name: DEMO.bob.name })).toBeVisible();
    await page.getByRole('button', { name: `Unblock ${DEMO.bob.name}` }).click();
    await expect(page.getByText('You have not blocked anyone.')).toBeVisible();
    await context.close();
  });

  test('a message is edited, answered and deleted from its menu', async ({ browser }) => {
    const sender = await newMember(browser, 'Editor');
    const other = await newMember(browser, 'Reader');
    const t = tag();
    const text = `Lunch at noon ${t}`;
    const fixed = `Lunch at one ${t}`;
    await startFromProfile(sender.page, other.account.handle, other.account.name, text);
    const page = sender.page;
    const thread = new URL(page.url()).pathname;

    const message = () => page.locator('li.message').filter({ hasText: t }).first();
    await message().getByLabel('Message actions').click();
    await message().getByRole('button', { name: 'Edit', exact: true }).click();
    await expect(page).toHaveURL(/\?edit=\d+/);
    const box = page.getByRole('textbox', { name: 'Edit message' });
    await expect(box).toHaveValue(text);
    await box.fill('');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect(page.locator('form.edit-form').getByRole('alert')).toContainText('Write a message');
    await page.getByRole('textbox', { name: 'Edit message' }).fill(fixed);
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect(page).toHaveURL(new RegExp(`${thread}#message-\\d+$`));
    await expect(message().locator('.message-body')).toHaveText(fixed);
    await expect(message().locator('.edited')).toHaveText('edited');

    await message().getByLabel('Message actions').click();
    await message().getByRole('button', { name: 'Reply', exact: true }).click();
    await expect(page.locator('form.reply .replying-to')).toContainText(fixed);
    const answer = `And dessert ${t}`;
    await page.getByRole('textbox', { name: 'Reply', exact: true }).fill(answer);
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    const answered = page.locator('li.message').filter({ hasText: answer });
    await expect(answered.locator('a.reply-quote')).toContainText(fixed);

    const original = page.locator('li.message').filter({ has: page.locator('.message-body', { hasText: fixed }) });
    await original.getByLabel('Message actions').click();
    await original.getByRole('button', { name: 'Delete', exact: true }).click();
    await page.getByRole('form', { name: 'Delete this message' }).getByRole('button', { name: 'Delete' }).click();
    await expect(page.locator('.message-body', { hasText: fixed })).toHaveCount(0);
    await expect(page.locator('li.message.gone')).toContainText('Message deleted');
    await expect(answered.locator('a.reply-quote')).toContainText('Message deleted');
    await sender.context.close();
    await other.context.close();
  });

  test('a message is reported from its menu; a refused note is kept', async ({ browser }) => {
    const sender = await newMember(browser, 'Sender');
    const reporter = await newMember(browser, 'Reporter');
    const text = `Buy cheap things ${tag()}`;
    await startFromProfile(sender.page, reporter.account.handle, reporter.account.name, text);
    const thread = sender.page.url();

    const page = reporter.page;
    await page.goto(thread);
    const message = page.locator('li.message').filter({ hasText: text });
    await message.getByLabel('Message actions').click();
    await message.getByRole('button', { name: 'Report message' }).click();
    const form = page.getByRole('form', { name: 'Report this message' });
    // A note over the server's 500 characters: refused on the page, the note kept.
    const note = `Sells things. ${'x'.repeat(520)}`;
    await form.getByLabel('Spam').check();
    await form.getByLabel('Note for the moderators (optional)').fill(note);
    await form.getByRole('button', { name: 'Send report' }).click();
    await expect(page.getByRole('form', { name: 'Report this message' }).getByRole('alert')).toContainText('500');
    await expect(page.getByLabel('Note for the moderators (optional)')).toHaveValue(note);

    const again = page.getByRole('form', { name: 'Report this message' });
    await again.getByLabel('Spam').check();
    await again.getByLabel('Note for the moderators (optional)').fill('Sells things.');
    await again.getByRole('button', { name: 'Send report' }).click();
    await expect(page.getByText('Thank you. A moderator will review this message.')).toBeVisible();
    await sender.context.close();
    await reporter.context.close();
  });

  test('notification and privacy settings are saved and said so', async ({ browser }) => {
    const { context, page } = await newMember(browser, 'Settings');
    await page.goto('/settings/notifications');
    await page.getByLabel('An email for each new message').check();
    await page.getByRole('button', { name: 'Save settings' }).click();
    await expect(page).toHaveURL(/\/settings\/notifications\?saved=1$/);
    await expect(page.getByRole('status').filter({ hasText: 'Your settings are saved.' })).toBeVisible();
    await expect(page.getByLabel('An email for each new message')).toBeChecked();

    await page.goto('/settings/privacy');
    await page.getByLabel('Only members who share a group with me').check();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect(page).toHaveURL(/\/settings\/privacy\?saved=1$/);
    await expect(page.getByRole('status').filter({ hasText: 'Saved.' })).toBeVisible();
    await expect(page.getByLabel('Only members who share a group with me')).toBeChecked();
    await context.close();
  });

  test('an open group is joined and left again', async ({ browser }) => {
    // Other tests join groups at the same time: what this member sees is the page's
    // answer to them alone (their own button), never a shared count.
    const { context, page } = await newMember(browser, 'Joiner');
    await page.goto('/groups/translations');
    await page.getByRole('button', { name: 'Join group', exact: true }).click();
    await expect(page).toHaveURL(/\/groups\/translations$/);
    await expect(page.getByRole('button', { name: 'Leave group', exact: true })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Join group', exact: true })).toHaveCount(0);

    await page.getByRole('button', { name: 'Leave group', exact: true }).click();
    await expect(page).toHaveURL(/\/groups\/translations$/);
    await expect(page.getByRole('button', { name: 'Join group', exact: true })).toBeVisible();
    await context.close();
  });

  test('a closed group is created, asked to join, and the request approved', async ({ browser }) => {
    const founder = await newMember(browser, 'Founder');
    const asker = await newMember(browser, 'Asker');
    const slug = `grp${tag()}${tag()}`;
    const page = founder.page;
    await page.goto('/groups/new');
    await page.getByLabel('Name', { exact: true }).fill('Plain circle');
    await page.getByLabel('Address', { exact: true }).fill('x');
    await page.getByLabel('Members ask to join, and a manager approves').check();
    await page.getByRole('button', { name: 'Create group', exact: true }).click();
    // Refused on the page, the rest kept.
    await expect(page.locator('#field-slug-error')).toContainText('3 to 30');
    await expect(page.getByLabel('Name', { exact: true })).toHaveValue('Plain circle');
    await expect(page.getByLabel('Members ask to join, and a manager approves')).toBeChecked();
    await page.getByLabel('Address', { exact: true }).fill(slug);
    await page.getByRole('button', { name: 'Create group', exact: true }).click();
    await expect(page).toHaveURL(new RegExp(`/groups/${slug}$`));
    await expect(page.getByText('1 member · closed group')).toBeVisible();

    await asker.page.goto(`/groups/${slug}`);
    await asker.page.getByRole('button', { name: 'Request to join', exact: true }).click();
    await expect(asker.page).toHaveURL(new RegExp(`/groups/${slug}$`));
    await expect(asker.page.getByText('You asked to join. A manager will answer.')).toBeVisible();

    await page.goto(`/groups/${slug}`);
    await page.getByRole('button', { name: `Approve ${asker.account.name}`, exact: true }).click();
    await expect(page).toHaveURL(new RegExp(`/groups/${slug}$`));
    await expect(page.getByText('2 members · closed group')).toBeVisible();
    await asker.page.goto(`/groups/${slug}`);
    await expect(asker.page.getByRole('button', { name: 'Leave group', exact: true })).toBeVisible();
    for (const side of [founder, asker]) await side.context.close();
  });

  test('a profile is edited; a refused bio is kept on the page', async ({ browser }) => {
    const { context, page, account } = await newMember(browser, 'Bio');
    await page.goto('/settings/profile');
    const tooLong = `I like ${'long walks, '.repeat(50)}`;
    await page.getByLabel('Bio', { exact: true }).fill(tooLong);
    await page.getByRole('button', { name: 'Save profile', exact: true }).click();
    await expect(page.locator('#field-bio-error')).toContainText('500');
    await expect(page.getByLabel('Bio', { exact: true })).toHaveValue(tooLong);
    await page.getByLabel('Bio', { exact: true }).fill('Short and true.');
    await page.getByRole('button', { name: 'Save profile', exact: true }).click();
    await expect(page).toHaveURL(new RegExp(`/members/${account.handle}$`));
    await expect(page.locator('p.bio')).toHaveText('Short and true.');
    await context.close();
  });

  test('message requests are accepted and declined', async ({ browser }) => {
    const choosy = await newMember(browser, 'Choosy');
    await choosy.page.goto('/settings/privacy');
    await choosy.page.getByLabel('Only members who share a group with me').check();
    await choosy.page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect(choosy.page).toHaveURL(/\/settings\/privacy\?saved=1$/);

    const welcome = await newMember(browser, 'Welcome');
    const unwanted = await newMember(browser, 'Unwanted');
    const kept = `May I ask you something ${tag()}`;
    const declined = `Special offer ${tag()}`;
    await startFromProfile(welcome.page, choosy.account.handle, choosy.account.name, kept);
    await startFromProfile(unwanted.page, choosy.account.handle, choosy.account.name, declined);

    const page = choosy.page;
    await page.goto('/conversations/requests');
    const requests = page.locator('li.request');
    await expect(requests).toHaveCount(2);
    await requests.filter({ hasText: declined }).getByRole('button', { name: 'Decline', exact: true }).click();
    await expect(page).toHaveURL(/\/conversations\/requests$/);
    await expect(requests).toHaveCount(1);
    // Accepting opens the conversation, as the hydrated page does.
    await requests.filter({ hasText: kept }).getByRole('button', { name: 'Accept', exact: true }).click();
    await expect(page).toHaveURL(/\/conversations\/\d+$/);
    await expect(page.getByRole('list', { name: 'Messages' })).toContainText(kept);
    await expect(page.locator('section[aria-label="Message request"]')).toHaveCount(0);
    await page.goto('/conversations/requests');
    await expect(page.getByText('No message requests.')).toBeVisible();

    await page.goto('/conversations');
    const rows = page.locator('ul.conversation-list li.conversation-row');
    await expect(rows).toHaveCount(1);
    await expect(rows.first()).toContainText(kept);
    for (const side of [choosy, welcome, unwanted]) await side.context.close();
  });

  test('a conversation of three is left, and the others are told', async ({ browser }) => {
    const leaver = await newMember(browser, 'Leaver');
    const stayer = await newMember(browser, 'Stayer');
    const third = await newMember(browser, 'Third');
    const text = `Three of us without script ${tag()}`;
    const page = leaver.page;
    await page.goto(`/conversations/new?to=member:${stayer.account.handle}&to=member:${third.account.handle}`);
    await page.getByLabel('Message', { exact: true }).fill(text);
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await expect(page).toHaveURL(/\/conversations\/\d+$/);
    const thread = new URL(page.url()).pathname;

    await openThreadOptions(page);
    await page.getByRole('button', { name: 'Leave conversation', exact: true }).click();
    await expect(page).toHaveURL(/\/conversations$/);
    await expect(page.locator('ul.conversation-list li.conversation-row')).toHaveCount(0);
    await stayer.page.goto(thread);
    await expect(stayer.page.getByRole('list', { name: 'Messages' }).locator('li.note')).toHaveText(
      `${leaver.account.name} left the conversation.`,
    );
    for (const side of [leaver, stayer, third]) await side.context.close();
  });

  test('a moderator removes a reported message, and the audit log lists it', async ({ browser }) => {
    const author = await newMember(browser, 'Rude');
    const reporter = await newMember(browser, 'Hurt');
    const text = `An insult for the queue ${tag()}`;
    await startFromProfile(author.page, reporter.account.handle, reporter.account.name, text);
    const thread = author.page.url();
    await reporter.page.goto(thread);
    const message = reporter.page.locator('li.message').filter({ hasText: text });
    await message.getByLabel('Message actions').click();
    await message.getByRole('button', { name: 'Report message' }).click();
    const form = reporter.page.getByRole('form', { name: 'Report this message' });
    await form.getByLabel('Harassment or abuse').check();
    await form.getByRole('button', { name: 'Send report' }).click();
    await expect(reporter.page.getByText('Thank you. A moderator will review this message.')).toBeVisible();

    const moderator = await browser.newContext({ javaScriptEnabled: false });
    const page = await moderator.newPage();
    await page.goto('/sign-in?next=/moderation');
    await page.getByLabel('Email', { exact: true }).fill('ngozi@example.org');
    await page.getByLabel('Password', { exact: true }).fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL(/\/moderation$/);
    const report = page.locator('article.report').filter({ hasText: text });
    await expect(report).toHaveCount(1);
    await report.getByRole('button', { name: 'Remove message', exact: true }).click();
    await expect(page).toHaveURL(/\/moderation$/);
    await expect(page.locator('article.report').filter({ hasText: text })).toHaveCount(0);

    await author.page.goto(thread);
    await expect(author.page.locator('li.message.removed')).toContainText('This message was removed by a moderator.');
    await expect(author.page.getByText(text)).toHaveCount(0);
    await page.goto('/moderation/log');
    await expect(
      page.getByRole('row').filter({ hasText: author.account.name }).filter({ hasText: 'removed a message' }),
    ).toHaveCount(1);
    for (const side of [author, reporter]) await side.context.close();
    await moderator.close();
  });
});
