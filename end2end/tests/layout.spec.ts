import { expect, test, type Page } from '@playwright/test';
import {
  DEMO,
  NAV_LINKS,
  accountMenu,
  envelope,
  expectNoHorizontalOverflow,
  gotoHydrated,
  mainNav,
  navLink,
  navMenuToggle,
  registerMember,
  newBrowserPage,
  signIn,
} from './helpers';

// Runs in every project (desktop and a 390 px wide phone): nothing may force
// the reader to scroll sideways, the header is one row and the main navigation
// stays reachable (on a phone through its "Menu" disclosure).
const PAGES = ['/', '/members', '/members/alice', '/groups/marketing'];

/** One row: a control is 40 px high, the header pads it by 8 px; two rows would be over 90. */
const ONE_ROW_MAX_HEIGHT = 64;

async function expectHeaderOneRow(page: Page) {
  const box = await page.locator('header.site-header').boundingBox();
  expect(box, 'the site header is on screen').not.toBeNull();
  expect(box!.height, `the header is ${box!.height}px high`).toBeLessThanOrEqual(ONE_ROW_MAX_HEIGHT);
}

for (const path of PAGES) {
  test(`${path} fits the viewport width, has a one-row header and its navigation`, async ({ page }) => {
    const response = await gotoHydrated(page, path);
    expect(response?.status()).toBe(200);
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
    await expectNoHorizontalOverflow(page, path);
    await expectHeaderOneRow(page);

    for (const name of NAV_LINKS) {
      const link = await navLink(page, name);
      await expect(link).toBeVisible();
      await expect(link).toBeInViewport();
    }
  });
}

test('on a phone the navigation is a Menu disclosure whose links work; on a wide screen the links are inline', async ({
  page,
  isMobile,
}) => {
  await gotoHydrated(page, '/');
  const toggle = navMenuToggle(page);
  const groups = mainNav(page).getByRole('link', { name: 'Groups', exact: true });
  if (isMobile) {
    await expect(toggle).toBeVisible();
    await expect(toggle).toHaveAccessibleName('Menu');
    await expect(groups).toBeHidden();
    await toggle.click();
    for (const name of NAV_LINKS) {
      await expect(mainNav(page).getByRole('link', { name, exact: true })).toBeInViewport();
    }
    await groups.click();
    await expect(page).toHaveURL(/\/groups$/);
    await expect(page.getByRole('heading', { level: 1, name: 'Groups' })).toBeVisible();
    // Following a link closed the menu again.
    await expect(groups).toBeHidden();
  } else {
    await expect(toggle).toBeHidden();
    await expect(groups).toBeVisible();
    await groups.click();
    await expect(page).toHaveURL(/\/groups$/);
  }
  await expectHeaderOneRow(page);
});

test('with a member signed in, the header still fits in one row and keeps its navigation', async ({ page, isMobile }) => {
  await signIn(page, DEMO.jose.email, DEMO.jose.name);
  await gotoHydrated(page, '/members/jose');
  const menu = accountMenu(page, DEMO.jose.name);
  await expect(menu).toBeInViewport();
  // The name shows beside the avatar on a wide screen; on a phone only the avatar
  // (the name is in the menu's accessible name).
  const name = menu.locator('.member-menu-name');
  if (isMobile) await expect(name).toBeHidden();
  else await expect(name).toHaveText(DEMO.jose.name);
  await expect(envelope(page)).toBeInViewport();
  await expect(page.locator('header').getByLabel('Notifications', { exact: true })).toBeInViewport();

  await expectNoHorizontalOverflow(page, '/members/jose signed in');
  await expectHeaderOneRow(page);
  for (const name of NAV_LINKS) {
    await expect(await navLink(page, name)).toBeInViewport();
  }
});

test('the envelope shows the number of unread conversations in a badge, and the bell a dot', async ({
  page,
  browser,
}) => {
  const reader = await registerMember(page, 'Reader');
  // Two other members write to the reader: two unread conversations.
  for (const label of ['WriterOne', 'WriterTwo']) {
    const side = await newBrowserPage(browser);
    try {
      await registerMember(side.page, label);
      await gotoHydrated(side.page, `/conversations/new?to=member:${reader.handle}`);
      await side.page.getByRole('textbox', { name: 'Message', exact: true }).fill(`Hello from ${label}`);
      await side.page.getByRole('button', { name: 'Send', exact: true }).click();
      await expect(side.page).toHaveURL(/\/conversations\/\d+$/);
    } finally {
      await side.context.close();
    }
  }

  await gotoHydrated(page, '/members');
  await expect(envelope(page)).toHaveClass(/\bhas-unread\b/);
  await expect(envelope(page)).toHaveAttribute('aria-label', 'Conversations, 2 unread');
  const badge = envelope(page).locator('.count-badge');
  await expect(badge).toBeVisible();
  await expect(badge).toHaveText('2');
  await expect(badge).toBeInViewport();
  const bell = page.locator('header').getByLabel('Notifications', { exact: true });
  await expect(bell.locator('.bell-dot')).toBeVisible();
  await expect(bell).toHaveAccessibleDescription('New notifications');
  await expectHeaderOneRow(page);

  // Reading one leaves one.
  await envelope(page).click();
  await expect(page).toHaveURL(/\/conversations$/);
  await page.getByRole('link', { name: /WriterOne/ }).first().click();
  await expect(page).toHaveURL(/\/conversations\/\d+$/);
  await expect(envelope(page)).toHaveAttribute('aria-label', 'Conversations, 1 unread');
  await expect(badge).toHaveText('1');
});

test('a new member has no unread badge and no dot on the bell', async ({ page }) => {
  await registerMember(page, 'Quiet');
  await gotoHydrated(page, '/');
  await expect(envelope(page)).toHaveAttribute('aria-label', 'Conversations');
  await expect(envelope(page).locator('.count-badge')).toHaveCount(0);
  // The bell has read its (empty) list once the page is live.
  const bell = page.locator('header').getByLabel('Notifications', { exact: true });
  await bell.click();
  await expect(page.locator('.notifications-panel')).toContainText('Nothing new.');
  await expect(bell.locator('.bell-dot')).toHaveCount(0);
});

test('the Search button of the member and group directories stays on one line', async ({ page }) => {
  for (const path of ['/members', '/groups']) {
    await gotoHydrated(page, path);
    const button = page.locator('form[role="search"]').getByRole('button', { name: 'Search', exact: true });
    await expect(button).toBeVisible();
    const { lines, contentHeight, lineHeight } = await button.evaluate((b) => {
      const range = document.createRange();
      range.selectNodeContents(b);
      const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
      const style = getComputedStyle(b);
      const padding = parseFloat(style.paddingTop) + parseFloat(style.paddingBottom);
      const border = parseFloat(style.borderTopWidth) + parseFloat(style.borderBottomWidth);
      return {
        lines: tops.size,
        contentHeight: b.getBoundingClientRect().height - padding - border,
        lineHeight: parseFloat(style.lineHeight),
      };
    });
    expect(lines, `${path}: the Search button's text is on ${lines} lines`).toBe(1);
    expect(Math.abs(contentHeight - lineHeight), `${path}: ${contentHeight}px of text, line-height ${lineHeight}px`).toBeLessThan(1);
  }
});
