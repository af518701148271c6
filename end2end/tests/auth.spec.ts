import { expect, test } from '@playwright/test';
import { DEMO, DEMO_PASSWORD, accountMenu, gotoHydrated, uniqueHandle, waitForHydration } from './helpers';

test.describe('signing in and out', () => {
  test('what is typed before the page is live survives hydration, and the live form sends it', async ({ page }) => {
    // The client loads after the first paint: hold it back until the fields are filled.
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/pkg/**/*_bg.wasm', async (route) => {
      await held;
      await route.continue();
    });
    await page.goto('/sign-in');
    const email = page.getByLabel('Email', { exact: true });
    const password = page.getByLabel('Password', { exact: true });
    await email.fill(DEMO.jose.email);
    await password.fill(DEMO_PASSWORD);
    await expect(page.locator('html[data-hydrated]')).toHaveCount(0);

    release();
    await waitForHydration(page);
    await expect(email).toHaveValue(DEMO.jose.email);
    await expect(password).toHaveValue(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL(/\/$/);
    await expect(accountMenu(page, DEMO.jose.name)).toBeVisible();
  });

  test('a wrong password is refused, the right one signs in, and sign out signs out', async ({ page }) => {
    // Bob's account is used only here. Each wrong password counts towards the
    // portal's sign-in throttle, so this test makes exactly one failed attempt.
    const member = DEMO.bob;
    await gotoHydrated(page, '/sign-in');
    await expect(page.getByRole('heading', { level: 1, name: 'Sign in' })).toBeVisible();

    const email = page.getByLabel('Email', { exact: true });
    const password = page.getByLabel('Password', { exact: true });
    const submit = page.getByRole('button', { name: 'Sign in' });

    await email.fill(member.email);
    await password.fill('not-the-right-password');
    await submit.click();

    await expect(page.getByRole('alert')).toHaveText(
      'That email and password do not match an account. Check both and try again.',
    );
    await expect(page).toHaveURL(/\/sign-in$/);
    await expect(email).toHaveValue(member.email);
    await expect(accountMenu(page, member.name)).toHaveCount(0);

    await password.fill(DEMO_PASSWORD);
    await submit.click();

    await expect(page).toHaveURL(/\/$/);
    const menu = accountMenu(page, member.name);
    await expect(menu).toBeVisible();
    const header = page.locator('header.site-header');
    await expect(header.getByRole('link', { name: 'Sign in' })).toHaveCount(0);

    await menu.click();
    await expect(header.getByRole('link', { name: 'Your profile' })).toBeVisible();
    await expect(header.getByRole('link', { name: 'Your profile' })).toHaveAttribute(
      'href',
      `/members/${member.handle}`,
    );
    await header.getByRole('button', { name: 'Sign out' }).click();

    await expect(header.getByRole('link', { name: 'Sign in' })).toBeVisible();
    await expect(header.getByRole('link', { name: 'Register' })).toBeVisible();
    await expect(accountMenu(page, member.name)).toHaveCount(0);

    // The session really ended on the server, not only in this page.
    await page.reload();
    await expect(header.getByRole('link', { name: 'Sign in' })).toBeVisible();
    await expect(accountMenu(page, member.name)).toHaveCount(0);
  });
});

test.describe('registering', () => {
  test('a too-short password is pointed out, what was typed stays, and fixing it creates the account', async ({
    page,
  }) => {
    const handle = uniqueHandle();
    const displayName = `Zoë Tester ${handle.slice(-4)}`;
    const email = `${handle}@example.org`;

    await gotoHydrated(page, '/register');
    await expect(page.getByRole('heading', { level: 1, name: 'Create an account' })).toBeVisible();

    const nameInput = page.getByLabel('Display name', { exact: true });
    const handleInput = page.getByLabel('Handle', { exact: true });
    const emailInput = page.getByLabel('Email', { exact: true });
    const passwordInput = page.getByLabel('Password', { exact: true });

    await nameInput.fill(displayName);
    await handleInput.fill(handle);
    await emailInput.fill(email);
    await passwordInput.fill('short');
    await page.getByRole('button', { name: 'Create account' }).click();

    const tooShort = 'Use at least 10 characters for your password.';
    await expect(page.getByText(tooShort)).toBeVisible();
    // The message belongs to the password field, for screen readers too.
    await expect(passwordInput).toHaveAttribute('aria-invalid', 'true');
    await expect(passwordInput).toHaveAccessibleDescription(new RegExp(tooShort.replace(/\./g, '\\.')));
    // Only the password is wrong: the other fields are not flagged.
    await expect(handleInput).not.toHaveAttribute('aria-invalid', 'true');
    await expect(page).toHaveURL(/\/register$/);

    // Nothing typed was lost.
    await expect(nameInput).toHaveValue(displayName);
    await expect(handleInput).toHaveValue(handle);
    await expect(emailInput).toHaveValue(email);
    await expect(passwordInput).toHaveValue('short');

    await passwordInput.fill('copper kettle morning tram');
    await page.getByRole('button', { name: 'Create account' }).click();

    await expect(page).toHaveURL(new RegExp(`/members/${handle}$`));
    await expect(page.getByRole('heading', { level: 1, name: displayName })).toBeVisible();
    await expect(page.getByText(`@${handle}`, { exact: true })).toBeVisible();
    // Registering also signs the new member in.
    await expect(accountMenu(page, displayName)).toBeVisible();
  });
});
