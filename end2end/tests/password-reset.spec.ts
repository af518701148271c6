import { expect, test } from '@playwright/test';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { accountMenu, gotoHydrated, newBrowserPage, registerMember } from './helpers';

// A forgotten password, followed from the email the portal sent to a real SMTP
// server (aiosmtpd, started by the test command into PORTAL_E2E_MAILDIR).

const maildir = process.env.PORTAL_E2E_MAILDIR;

/** The text of the newest email to `to` that contains `marker`, waiting for it to arrive. */
async function emailTo(to: string, marker: string): Promise<string> {
  if (!maildir) throw new Error('PORTAL_E2E_MAILDIR is not set: run the browser tests with `bash .ci/portal.sh e2e`');
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const dir = join(maildir, 'new');
    const found = readdirSync(dir)
      .map((name) => readFileSync(join(dir, name), 'utf8'))
      // Quoted-printable soft line breaks and "=" undone, for reading links.
      .map((raw) => raw.replace(/=\r?\n/g, '').replace(/=3D/g, '='))
      .filter((text) => text.includes(`To: ${to}`) || text.includes(`<${to}>`))
      .filter((text) => text.includes(marker));
    if (found.length > 0) return found[found.length - 1];
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`no email to ${to} containing ${marker}`);
}

test('a member who forgot their password sets a new one from the email and is signed in', async ({
  page,
  browser,
}) => {
  const account = await registerMember(page, 'Forgetful');
  const fresh = await newBrowserPage(browser);
  try {
    const other = fresh.page;
    await gotoHydrated(other, '/sign-in');
    await other.getByRole('link', { name: 'Forgot your password?' }).click();
    await expect(other.getByRole('heading', { level: 1, name: 'Forgot your password?' })).toBeVisible();
    await other.getByLabel('Email', { exact: true }).fill(account.email);
    await other.getByRole('button', { name: 'Send the link' }).click();
    await expect(other.getByRole('heading', { level: 1, name: 'Check your email' })).toBeVisible();

    const email = await emailTo(account.email, '/reset-password?token=');
    const token = /\/reset-password\?token=([0-9a-f]{64})/.exec(email)?.[1];
    expect(token, 'the link in the email').toBeTruthy();
    await gotoHydrated(other, `/reset-password?token=${token}`);
    const newPassword = 'lantern harbour copper meadow';
    await other.getByLabel('New password', { exact: true }).fill(newPassword);
    await other.getByRole('button', { name: 'Set password and sign in' }).click();
    await expect(accountMenu(other, account.name)).toBeVisible();

    // The link worked once; the old session (the registering page) was signed out.
    await gotoHydrated(other, `/reset-password?token=${token}`);
    await other.getByLabel('New password', { exact: true }).fill('another fresh passphrase here');
    await other.getByRole('button', { name: 'Set password and sign in' }).click();
    await expect(other.getByRole('alert').filter({ hasText: /used|expired/i })).toBeVisible();
    const me = await page.request.post('/api/current_member', { headers: { 'Sec-Fetch-Site': 'same-origin' } });
    expect(await me.json()).toBeNull();
  } finally {
    await fresh.context.close();
  }
});
