import { expect, test } from '@playwright/test';
import { accountMenu, freshHandle, gotoHydrated, registerMember } from './helpers';

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
