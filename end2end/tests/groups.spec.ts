import { expect, test } from '@playwright/test';
import {
  expectThread,
  freshHandle,
  gotoHydrated,
  messages,
  newBrowserPage,
  registerMember,
  reply,
  tag,
  TINY_PNG,
} from './helpers';

// Groups run by their members: made, joined on request, and given a second manager
// who answers the group's conversations. Every test makes its own group and members.

test.describe('groups run by their members', () => {
  test('a member creates a closed group, approves a request to join, and appoints a manager who answers as the group', async ({
    page,
    browser,
  }) => {
    test.slow();
    await registerMember(page, 'Founder');
    const slug = freshHandle().replace('e2e', 'grp');
    const name = `Circle ${tag()}`;
    await gotoHydrated(page, '/groups');
    await page.getByRole('link', { name: 'Create a group', exact: true }).click();
    await expect(page).toHaveURL(/\/groups\/new$/);
    await expect(page.getByRole('heading', { level: 1, name: 'Create a group' })).toBeVisible();
    await page.getByLabel('Name', { exact: true }).fill(name);
    // The address follows the rules before anything is sent.
    await page.getByLabel('Address', { exact: true }).fill('no');
    await page.getByRole('button', { name: 'Create group', exact: true }).click();
    await expect(page.locator('#field-slug-error')).toContainText('3 to 30');
    await page.getByLabel('Address', { exact: true }).fill(slug);
    await page.getByLabel('Description').fill('Only for the inner circle.');
    await page.getByLabel('Members ask to join, and a manager approves').check();
    // Its picture goes with the same form.
    await page.getByLabel('Picture (optional: JPEG, PNG or WebP, up to 5 MB)').setInputFiles({
      name: 'circle.png',
      mimeType: 'image/png',
      buffer: TINY_PNG,
    });
    await page.getByRole('button', { name: 'Create group', exact: true }).click();
    await expect(page).toHaveURL(new RegExp(`/groups/${slug}$`));
    await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();
    await expect(page.getByText('1 member · closed group')).toBeVisible();
    await expect(page.getByRole('main').locator('img.avatar').first()).toHaveAttribute('src', /^\/avatars\/[0-9a-f]{64}\/256\.jpg$/);
    await expect(page.getByRole('link', { name: 'Edit group', exact: true })).toBeVisible();

    const joinerSide = await newBrowserPage(browser);
    const writerSide = await newBrowserPage(browser);
    try {
      const joiner = await registerMember(joinerSide.page, 'Joiner');
      await gotoHydrated(joinerSide.page, `/groups/${slug}`);
      await joinerSide.page.getByRole('button', { name: 'Request to join', exact: true }).click();
      await expect(joinerSide.page.getByRole('status').filter({ hasText: 'You asked to join.' })).toBeVisible();

      await gotoHydrated(page, `/groups/${slug}`);
      await expect(page.getByRole('heading', { level: 2, name: 'Requests to join (1)' })).toBeVisible();
      await page.getByRole('button', { name: `Approve ${joiner.name}`, exact: true }).click();
      await expect(page.getByRole('heading', { level: 2, name: /^Requests to join/ })).toHaveCount(0);
      await page.getByRole('button', { name: `Make ${joiner.name} a manager`, exact: true }).click();
      await expect(page.getByRole('button', { name: `Remove ${joiner.name} as manager`, exact: true })).toBeVisible();

      // Someone writes to the group; the new manager answers as the group.
      await registerMember(writerSide.page, 'Writer');
      const question = `A question for the circle ${tag()}`;
      await gotoHydrated(writerSide.page, `/conversations/new?to=group:${slug}`);
      await writerSide.page.getByRole('textbox', { name: 'Message', exact: true }).fill(question);
      await writerSide.page.getByRole('button', { name: 'Send', exact: true }).click();
      const thread = await expectThread(writerSide.page);

      await gotoHydrated(joinerSide.page, thread);
      await expect(messages(joinerSide.page).first()).toContainText(question);
      const answer = `The circle answers ${tag()}`;
      await reply(joinerSide.page, answer);
      await gotoHydrated(writerSide.page, thread);
      const answered = messages(writerSide.page).filter({ hasText: answer });
      await expect(answered.locator('.message-author')).toHaveText(name);
    } finally {
      await joinerSide.context.close();
      await writerSide.context.close();
    }
  });

  test('a manager edits the group; a taken address is refused with the form kept', async ({ page }) => {
    await registerMember(page, 'Editor');
    const slug = freshHandle().replace('e2e', 'grp');
    await gotoHydrated(page, '/groups/new');
    await page.getByLabel('Name', { exact: true }).fill('First name');
    await page.getByLabel('Address', { exact: true }).fill(slug);
    await page.getByRole('button', { name: 'Create group', exact: true }).click();
    await expect(page).toHaveURL(new RegExp(`/groups/${slug}$`));

    await gotoHydrated(page, '/groups/new');
    await page.getByLabel('Name', { exact: true }).fill('Second try');
    await page.getByLabel('Address', { exact: true }).fill(slug);
    await page.getByRole('button', { name: 'Create group', exact: true }).click();
    await expect(page.locator('#field-slug-error')).toHaveText('A group already has that address. Choose another.');
    await expect(page.getByLabel('Name', { exact: true })).toHaveValue('Second try');

    await gotoHydrated(page, `/groups/${slug}`);
    await page.getByRole('link', { name: 'Edit group', exact: true }).click();
    await expect(page).toHaveURL(new RegExp(`/groups/${slug}/edit$`));
    await expect(page.getByLabel('Name', { exact: true })).toHaveValue('First name');
    await page.getByLabel('Name', { exact: true }).fill('Better name');
    await page.getByRole('button', { name: 'Save group', exact: true }).click();
    await expect(page).toHaveURL(new RegExp(`/groups/${slug}$`));
    await expect(page.getByRole('heading', { level: 1, name: 'Better name' })).toBeVisible();
  });

  test('a manager invites a member found by search, who joins from their home page', async ({ page, browser }) => {
    await registerMember(page, 'Host');
    const slug = freshHandle().replace('e2e', 'grp');
    const name = `Invited circle ${tag()}`;
    await gotoHydrated(page, '/groups/new');
    await page.getByLabel('Name', { exact: true }).fill(name);
    await page.getByLabel('Address', { exact: true }).fill(slug);
    await page.getByLabel('Members ask to join, and a manager approves').check();
    await page.getByRole('button', { name: 'Create group', exact: true }).click();
    await expect(page).toHaveURL(new RegExp(`/groups/${slug}$`));

    const guestSide = await newBrowserPage(browser);
    try {
      const guest = await registerMember(guestSide.page, 'Guest');
      await page.getByText('Invite members', { exact: true }).click();
      const search = page.getByRole('combobox', { name: 'Find members to invite' });
      await search.fill(guest.name);
      const listbox = page.getByRole('listbox', { name: 'Matching members and groups' });
      await listbox.getByRole('option').filter({ hasText: `@${guest.handle}` }).click();
      await page.getByRole('button', { name: 'Invite', exact: true }).click();
      await expect(page.getByRole('status').filter({ hasText: 'Invited.' })).toBeVisible();

      await gotoHydrated(guestSide.page, '/');
      const news = guestSide.page.getByRole('region', { name: 'What is new' });
      await expect(news).toContainText(`invited you to ${name}`);
      await news.getByRole('button', { name: `Join ${name}`, exact: true }).click();
      await expect(news).not.toContainText(`invited you to ${name}`);
      await gotoHydrated(guestSide.page, `/groups/${slug}`);
      await expect(guestSide.page.getByRole('button', { name: 'Leave group', exact: true })).toBeVisible();
    } finally {
      await guestSide.context.close();
    }
  });
});
