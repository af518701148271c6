import { expect, test } from '@playwright/test';
import { DEMO, PORTAL_NAME, fetchPage, gotoHydrated, navLink, signIn } from './helpers';

test.describe('browsing as a signed-in member', () => {
  test.beforeEach(async ({ page }) => {
    await signIn(page, DEMO.alice.email, DEMO.alice.name);
  });

  test('the directory finds José by an unaccented search and his profile has a contact button', async ({ page }) => {
    await (await navLink(page, 'Members')).click();
    await expect(page).toHaveURL(/\/members$/);
    await expect(page.getByRole('heading', { level: 1, name: 'Members' })).toBeVisible();
    await page.waitForLoadState('networkidle');

    // The first page of the directory lists members as links to their profiles.
    const results = page.locator('main').getByRole('list').first();
    await expect(results.getByRole('link').first()).toBeVisible();
    expect(await results.getByRole('link').count()).toBeGreaterThan(1);

    const search = page.getByRole('searchbox', { name: 'Search members by name' });
    await search.fill('jose');
    await page.getByRole('button', { name: 'Search' }).click();

    await expect(page).toHaveURL(/\/members\?q=jose$/);
    await expect(search).toHaveValue('jose');
    const jose = page.getByRole('link', { name: DEMO.jose.name, exact: true });
    await expect(jose).toBeVisible();
    await jose.click();

    await expect(page).toHaveURL(/\/members\/jose$/);
    await expect(page.getByRole('heading', { level: 1, name: DEMO.jose.name })).toBeVisible();
    await expect(page.getByText('@jose', { exact: true })).toBeVisible();
    await expect(page.getByText(/^Member since /)).toBeVisible();
    await expect(page.getByRole('heading', { level: 2, name: 'Groups' })).toBeVisible();

    const contact = page.getByRole('button', { name: `Message ${DEMO.jose.name}`, exact: true });
    await expect(contact).toBeVisible();
    await expect(contact).toBeEnabled();
  });

  test('the Groups nav leads to the Marketing group and its contact button', async ({ page }) => {
    await (await navLink(page, 'Groups')).click();
    await expect(page).toHaveURL(/\/groups$/);
    await expect(page.getByRole('heading', { level: 1, name: 'Groups' })).toBeVisible();

    await page.locator('main').getByRole('link', { name: 'Marketing', exact: true }).click();

    await expect(page).toHaveURL(/\/groups\/marketing$/);
    await expect(page.getByRole('heading', { level: 1, name: 'Marketing' })).toBeVisible();
    await expect(page.getByRole('heading', { level: 2, name: 'Managers' })).toBeVisible();
    await expect(page.getByRole('heading', { level: 2, name: 'Members' })).toBeVisible();
    // Alice manages Marketing.
    await expect(page.locator('main').getByRole('link', { name: DEMO.alice.name, exact: true })).toBeVisible();

    const contact = page.getByRole('button', { name: 'Message the Marketing group', exact: true });
    await expect(contact).toBeVisible();
    await expect(contact).toBeEnabled();
    // A member of this open group is offered to leave it (not clicked: shared data).
    await expect(page.getByRole('button', { name: 'Leave group' })).toBeVisible();
  });

  test('the Code of conduct link in the header opens the code of conduct', async ({ page }) => {
    await (await navLink(page, 'Code of conduct')).click();
    await expect(page).toHaveURL(/\/code-of-conduct$/);
    await expect(page.getByRole('heading', { level: 1, name: 'Code of conduct' })).toBeVisible();
    await expect(page).toHaveTitle(`Code of conduct · ${PORTAL_NAME}`);
  });

  test('the portal name in the header leads home', async ({ page }) => {
    await gotoHydrated(page, '/code-of-conduct');
    await page.getByRole('link', { name: PORTAL_NAME, exact: true }).click();
    await expect(page).toHaveURL(/\/$/);
    await expect(page.getByRole('heading', { level: 1, name: PORTAL_NAME })).toBeVisible();
    await expect(page.getByText(`Welcome back, ${DEMO.alice.name}.`)).toBeVisible();
  });
});

test.describe('pages that do not exist', () => {
  for (const path of ['/no-such-page', '/members/nobody-has-this-handle', '/groups/no-such-group']) {
    test(`${path} answers 404 with "Page not found"`, async ({ page }) => {
      const response = await gotoHydrated(page, path);
      expect(response?.status()).toBe(404);
      await expect(page.getByRole('heading', { level: 1, name: 'Page not found' })).toBeVisible();
      // The way back is offered.
      await expect(page.locator('main').getByRole('link', { name: 'Browse members' })).toBeVisible();
    });
  }
});

test.describe('server-side rendering', () => {
  test('the HTML of a profile, before any script runs, already holds the member', async ({ request }) => {
    const response = await fetchPage(request, '/members/alice');
    expect(response.status()).toBe(200);
    expect(response.headers()['content-type']).toContain('text/html');
    // Without the empty comments Leptos leaves around dynamic text for hydration.
    const html = (await response.text()).replaceAll('<!>', '').replaceAll('<!-- -->', '');
    expect(html).toContain('<h1>Alice Martin</h1>');
    expect(html).toContain('@alice');
    expect(html).toContain('aria-label="Message Alice Martin"');
    expect(html).toContain('<title>Alice Martin · Mautic Community Portal</title>');
  });
});
