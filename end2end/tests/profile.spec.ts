import { expect, test } from '@playwright/test';
import { DEMO, accountMenu, freshHandle, gotoHydrated, moreActions, registerMember } from './helpers';

// A member's own profile: name, bio and handle, and old links to a changed handle.

test('a member edits their name, bio and handle; the old address leads to the new one', async ({ page }) => {
  const account = await registerMember(page, 'Profile');
  await gotoHydrated(page, '/');
  const menu = accountMenu(page, account.name);
  await menu.click();
  await page.getByRole('link', { name: 'Edit profile', exact: true }).click();
  await expect(page).toHaveURL(/\/settings\/profile$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Edit profile' })).toBeVisible();
  await expect(page.getByLabel('Handle', { exact: true })).toHaveValue(account.handle);

  const name = `Renamed ${account.handle.slice(3, 9)}`;
  const handle = freshHandle();
  await page.getByLabel('Display name', { exact: true }).fill(name);
  await page.getByLabel('Handle', { exact: true }).fill(handle);
  await page.getByLabel('Bio', { exact: true }).fill('First line\nSecond line');
  await page.getByRole('button', { name: 'Save profile', exact: true }).click();

  await expect(page).toHaveURL(new RegExp(`/members/${handle}$`));
  await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();
  await expect(page.getByText(`@${handle}`, { exact: true })).toBeVisible();
  const bio = page.locator('p.bio');
  await expect(bio).toHaveText('First line\nSecond line', { useInnerText: true });
  await expect(page.getByRole('link', { name: 'Edit profile', exact: true })).toBeVisible();

  await page.goto(`/members/${account.handle}`);
  await expect(page).toHaveURL(new RegExp(`/members/${handle}$`));
  await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();
});

test('another member’s profile: Message first, Block and Report in the “⋯” menu', async ({ page }) => {
  await registerMember(page, 'Visitor');
  await gotoHydrated(page, `/members/${DEMO.bob.handle}`);
  const message = page.getByRole('button', { name: `Message ${DEMO.bob.name}`, exact: true });
  await expect(message).toHaveText('Message');
  await expect(message).toBeInViewport();

  const block = page.getByRole('button', { name: `Block ${DEMO.bob.name}`, exact: true });
  const report = page.getByRole('link', { name: `Report ${DEMO.bob.name}`, exact: true });
  await expect(block).toBeHidden();
  await expect(report).toBeHidden();
  const more = moreActions(page, DEMO.bob.name);
  await expect(more).toBeInViewport();
  // Keyboard: the summary opens on Enter, as a button does.
  await more.focus();
  await page.keyboard.press('Enter');
  await expect(block).toBeVisible();
  await expect(block).toBeInViewport();
  await expect(report).toBeInViewport();
  // A report is about a message: the link says how to make one.
  await report.click();
  await expect(page).toHaveURL(/\/code-of-conduct#reporting$/);
  await expect(page.locator('#reporting')).toBeInViewport();
});

test('one’s own profile has no “⋯” menu, and a visitor signed out sees none either', async ({ page, browser }) => {
  const account = await registerMember(page, 'Owner');
  await gotoHydrated(page, `/members/${account.handle}`);
  await expect(page.getByRole('heading', { level: 1, name: account.name })).toBeVisible();
  await expect(moreActions(page, account.name)).toHaveCount(0);

  const visitor = await browser.newContext();
  try {
    const anonymous = await visitor.newPage();
    await gotoHydrated(anonymous, `/members/${DEMO.bob.handle}`);
    await expect(anonymous.getByRole('button', { name: `Message ${DEMO.bob.name}`, exact: true })).toBeVisible();
    await expect(moreActions(anonymous, DEMO.bob.name)).toHaveCount(0);
  } finally {
    await visitor.close();
  }
});
