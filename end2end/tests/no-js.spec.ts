import { expect, test, type Browser, type Page } from '@playwright/test';
import { DEMO, MEMBER_PASSWORD, accountMenu, freshHandle, registerMember, tag } from './helpers';

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

/** Starts a conversation from a member's profile: the contact icon is a link to the start page. */
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

  test('mute and unmute a conversation, block and unblock a member', async ({ browser }) => {
    const { context, page } = await newMember(browser, 'Muter');
    await startFromProfile(page, DEMO.bob.handle, DEMO.bob.name, `To mute ${tag()}`);
    await page.getByRole('button', { name: 'Mute', exact: true }).click();
    await expect(page.getByRole('button', { name: 'Unmute', exact: true })).toHaveAttribute('aria-pressed', 'true');
    await page.getByRole('button', { name: 'Unmute', exact: true }).click();
    await expect(page.getByRole('button', { name: 'Mute', exact: true })).toHaveAttribute('aria-pressed', 'false');

    await page.goto(`/members/${DEMO.bob.handle}`);
    await page.getByRole('button', { name: `Block ${DEMO.bob.name}` }).click();
    await expect(page).toHaveURL(new RegExp(`/members/${DEMO.bob.handle}$`));
    await expect(page.getByRole('button', { name: `Unblock ${DEMO.bob.name}` })).toBeVisible();
    await page.goto('/settings/privacy');
    await expect(page.getByRole('link', { name: DEMO.bob.name })).toBeVisible();
    await page.getByRole('button', { name: `Unblock ${DEMO.bob.name}` }).click();
    await expect(page.getByText('You have not blocked anyone.')).toBeVisible();
    await context.close();
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
});
