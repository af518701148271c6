import { expect, test } from '@playwright/test';
import { DEMO, NAV_LINKS, accountMenu, gotoHydrated, mainNav, signIn } from './helpers';

// Runs in every project (desktop and a 390 px wide phone): nothing may force
// the reader to scroll sideways, and the main navigation stays reachable.
const PAGES = ['/', '/members', '/members/alice', '/groups/marketing'];

for (const path of PAGES) {
  test(`${path} fits the viewport width and shows the header navigation`, async ({ page }) => {
    const response = await gotoHydrated(page, path);
    expect(response?.status()).toBe(200);
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible();

    const { scrollWidth, innerWidth } = await page.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      innerWidth: window.innerWidth,
    }));
    expect(scrollWidth, `page is ${scrollWidth}px wide in a ${innerWidth}px viewport`).toBeLessThanOrEqual(innerWidth);

    const nav = mainNav(page);
    for (const name of NAV_LINKS) {
      const link = nav.getByRole('link', { name, exact: true });
      await expect(link).toBeVisible();
      await expect(link).toBeInViewport();
    }
  });
}

test('with a member signed in, the header still fits and keeps its navigation', async ({ page }) => {
  await signIn(page, DEMO.jose.email, DEMO.jose.name);
  await gotoHydrated(page, '/members/jose');
  await expect(accountMenu(page, DEMO.jose.name)).toBeInViewport();

  const { scrollWidth, innerWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
  }));
  expect(scrollWidth, `page is ${scrollWidth}px wide in a ${innerWidth}px viewport`).toBeLessThanOrEqual(innerWidth);
  for (const name of NAV_LINKS) {
    await expect(mainNav(page).getByRole('link', { name, exact: true })).toBeInViewport();
  }
});
