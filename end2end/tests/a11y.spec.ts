import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { DEMO, accountMenu, gotoHydrated, moreActions, navMenuToggle, signIn } from './helpers';

const PAGES = [
  '/',
  '/sign-in',
  '/register',
  '/members',
  '/members/alice',
  '/groups',
  '/groups/marketing',
  '/code-of-conduct',
];

type AxeResults = Awaited<ReturnType<AxeBuilder['analyze']>>;
type Violation = AxeResults['violations'][number];

/** One readable block per violation: rule, impact, help link and each offending element. */
function describe(violations: Violation[]): string {
  return violations
    .map((v) => {
      const nodes = v.nodes
        .map((n) => `    - ${n.target.join(' ')}\n      ${n.html}\n      ${n.failureSummary?.replace(/\n/g, '\n      ') ?? ''}`)
        .join('\n');
      return `[${v.impact}] ${v.id}: ${v.help}\n  ${v.helpUrl}\n${nodes}`;
    })
    .join('\n\n');
}

/** Scans the page as it is now and fails listing every serious or critical violation. */
async function expectNoSevereViolations(page: Page, what: string) {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa']).analyze();
  const severe = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(
    severe.map((v) => `${v.id} [${v.impact}] on ${v.nodes.length} element(s)`),
    `axe found on ${what}:\n\n${describe(severe)}\n`,
  ).toEqual([]);
}

// Every scan runs in both colour schemes: the stylesheet follows the system's
// (prefers-color-scheme), and contrast must hold in each.
for (const colorScheme of ['light', 'dark'] as const) {
  test.describe(`${colorScheme} scheme`, () => {
    test.beforeEach(async ({ page }) => {
      await page.emulateMedia({ colorScheme });
    });

    for (const path of PAGES) {
      test(`${path} has no serious or critical WCAG 2 A/AA violations`, async ({ page }) => {
        const response = await gotoHydrated(page, path);
        expect(response?.status()).toBe(200);
        await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
        await expectSchemeApplied(page, colorScheme);
        await expectNoSevereViolations(page, `${path} (${colorScheme})`);
      });
    }

    test('the signed-in header with its menus open has no serious or critical violations', async ({ page }) => {
      await signIn(page, DEMO.jose.email, DEMO.jose.name);
      await gotoHydrated(page, '/code-of-conduct');
      await accountMenu(page, DEMO.jose.name).click();
      await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
      await expectNoSevereViolations(page, `/code-of-conduct, signed in, member menu open (${colorScheme})`);
      // The navigation menu (a disclosure on a phone) and a profile's "⋯" menu, open.
      await gotoHydrated(page, '/members/alice');
      await moreActions(page, DEMO.alice.name).click();
      await expect(page.getByRole('button', { name: `Block ${DEMO.alice.name}`, exact: true })).toBeVisible();
      // Opened second: on a phone its panel covers the profile's actions.
      const toggle = navMenuToggle(page);
      if (await toggle.isVisible()) await toggle.click();
      await expectNoSevereViolations(page, `/members/alice, signed in, menus open (${colorScheme})`);
    });

    test('the privacy page, the requests page and the moderation pages have no serious or critical violations', async ({
      page,
    }) => {
      await signIn(page, 'ngozi@example.org', 'Ngozi Okafor');
      for (const [path, heading] of [
        ['/settings/privacy', 'Privacy and blocking'],
        ['/conversations/requests', 'Message requests'],
        ['/moderation', 'Reports to review'],
        ['/moderation/log', 'Moderation audit log'],
      ]) {
        const response = await gotoHydrated(page, path);
        expect(response?.status(), path).toBe(200);
        await expect(page.getByRole('heading', { level: 1, name: heading })).toBeVisible();
        await expectNoSevereViolations(page, `${path} as a moderator (${colorScheme})`);
      }
    });

    test('the account page and the administration pages have no serious or critical violations', async ({
      page,
    }) => {
      await signIn(page, 'lars@example.org', 'Lars Eriksson');
      for (const [path, heading] of [
        ['/settings/account', 'Your account and data'],
        ['/settings/profile', 'Edit profile'],
        ['/admin', 'Administration'],
        ['/admin/groups', 'Administration'],
        ['/admin/settings', 'Administration'],
      ]) {
        const response = await gotoHydrated(page, path);
        expect(response?.status(), path).toBe(200);
        await expect(page.getByRole('heading', { level: 1, name: heading })).toBeVisible();
        await expectNoSevereViolations(page, `${path} as an administrator (${colorScheme})`);
      }
    });
  });
}

/** The page really is in `scheme`: the page's canvas is dark exactly in the dark scheme. */
async function expectSchemeApplied(page: Page, scheme: 'light' | 'dark') {
  const background = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
  const [r, g, b] = (background.match(/\d+/g) ?? []).map(Number);
  const dark = (r + g + b) / 3 < 128;
  expect(dark, `body background ${background} in the ${scheme} scheme`).toBe(scheme === 'dark');
}
