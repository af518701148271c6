import { expect, test } from '@playwright/test';
import { gotoHydrated, registerMember } from './helpers';

// The portal as an installed app: Chromium finds it installable, and once a
// page has loaded, a start without a network shows the portal's own "You are
// offline" page instead of the browser's error.
test.use({ serviceWorkers: 'allow' });

test('the portal is installable, and offline it says so on its own page, then comes back', async ({
  page,
  context,
}) => {
  await registerMember(page, 'Offline');
  await gotoHydrated(page, '/conversations');
  // The worker, registered once the page is live, takes the tab over.
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
  await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
  const cdp = await context.newCDPSession(page);
  const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
  // A test's browser context is a private window, where nothing installs; any other reason is ours.
  expect(installabilityErrors.map((e) => e.errorId).filter((id) => id !== 'in-incognito')).toEqual([]);

  await context.setOffline(true);
  await page.goto('/conversations/new');
  await expect(page.getByRole('heading', { level: 1, name: 'You are offline' })).toBeVisible();
  await expect(page).toHaveTitle(/^You are offline/);
  await expect(page.locator('main svg')).toBeVisible();

  await context.setOffline(false);
  await page.getByRole('link', { name: 'Try again' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Start a conversation' })).toBeVisible();
});
