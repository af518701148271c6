import { expect, test, type Page } from '@playwright/test';
import { inflateRawSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import {
  accountMenu,
  DEMO,
  DEMO_PASSWORD,
  gotoHydrated,
  MEMBER_PASSWORD,
  newBrowserPage,
  registerMember,
  replyForm,
  signIn,
  startWithJose,
  tag,
  TINY_PNG,
} from './helpers';

// A member's account as a whole (download their data, delete it) and what an
// administrator does in /admin.

const sameOrigin = { 'Sec-Fetch-Site': 'same-origin' };

/** The one file of a ZIP the portal wrote (sizes in the local header, deflated). */
function firstFileOfZip(zip: Buffer): { name: string; text: string } {
  expect(zip.readUInt32LE(0), 'a ZIP local file header').toBe(0x04034b50);
  const method = zip.readUInt16LE(8);
  const size = zip.readUInt32LE(18);
  const nameLength = zip.readUInt16LE(26);
  const extraLength = zip.readUInt16LE(28);
  const name = zip.subarray(30, 30 + nameLength).toString('utf8');
  const start = 30 + nameLength + extraLength;
  const data = zip.subarray(start, start + size);
  const text = (method === 8 ? inflateRawSync(data) : data).toString('utf8');
  return { name, text };
}

test('a member downloads their data, deletes their account, and the other side sees "Deleted member"', async ({
  page,
  browser,
}) => {
  const account = await registerMember(page, 'Leaver');
  const said = `Before I go ${tag()}`;
  const conversation = await startWithJose(page, said);

  await gotoHydrated(page, '/');
  await accountMenu(page, account.name).click();
  await page.getByRole('link', { name: 'Your account and data', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Your account and data' })).toBeVisible();

  // Download my data: a ZIP whose data.json holds the profile and the conversation.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Download my data', exact: true }).click(),
  ]);
  expect(download.suggestedFilename()).toBe(`conversations-data-${account.handle}.zip`);
  const { name, text } = firstFileOfZip(readFileSync(await download.path()));
  expect(name).toBe('data.json');
  const data = JSON.parse(text);
  expect(data.profile.handle).toBe(account.handle);
  expect(data.profile.email).toBe(account.email);
  const exported = data.conversations.find((c: { id: number }) => c.id === conversation);
  expect(exported.messages.map((m: { text: string }) => m.text)).toContain(said);

  // Deleting asks first, and wants the password.
  await page.getByText('Delete my account…', { exact: true }).click();
  await page.getByRole('button', { name: 'Delete my account for good' }).click();
  await expect(page.getByText('Enter your password to confirm.')).toBeVisible();
  await page.getByLabel('Your password, to confirm').fill(MEMBER_PASSWORD);
  await page.getByRole('button', { name: 'Delete my account for good' }).click();
  await expect(page).toHaveURL(/\/account-deleted$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Your account is deleted' })).toBeVisible();
  await expect(page.locator('header').getByRole('link', { name: 'Sign in' })).toBeVisible();

  // José still reads the message, under "Deleted member", and cannot answer.
  const jose = await newBrowserPage(browser);
  try {
    await signIn(jose.page, DEMO.jose.email, DEMO.jose.name, DEMO_PASSWORD);
    await gotoHydrated(jose.page, `/conversations/${conversation}`);
    const message = jose.page.locator('li.message', { hasText: said });
    await expect(message).toBeVisible();
    await expect(message.locator('.message-author')).toHaveText('Deleted member');
    await expect(message.getByRole('link', { name: 'Deleted member' })).toHaveCount(0);
    await expect(jose.page.getByText('This member deleted their account.')).toBeVisible();
    await expect(replyForm(jose.page).body).toHaveCount(0);
    // And the profile is gone.
    const profile = await jose.page.goto(`/members/${account.handle}`);
    expect(profile?.status()).toBe(404);
  } finally {
    await jose.context.close();
  }
});

test('an administrator makes a member a moderator in /admin, and it is logged', async ({ page, browser }) => {
  const account = await registerMember(page, 'Helper');
  await gotoHydrated(page, '/');
  await accountMenu(page, account.name).click();
  await expect(page.getByRole('link', { name: 'Moderation', exact: true })).toHaveCount(0);

  const admin = await newBrowserPage(browser);
  try {
    await signIn(admin.page, 'lars@example.org', 'Lars Eriksson', DEMO_PASSWORD);
    await accountMenu(admin.page, 'Lars Eriksson').click();
    await admin.page.getByRole('link', { name: 'Administration', exact: true }).click();
    await expect(admin.page).toHaveURL(/\/admin$/);
    await admin.page.getByLabel('Search members by name, handle or email').fill(account.handle);
    await admin.page.getByRole('button', { name: 'Search', exact: true }).click();
    await expect(admin.page).toHaveURL(new RegExp(`q=${account.handle}`));
    const row = admin.page.getByRole('listitem', { name: `${account.name} (@${account.handle})` });
    await expect(row).toBeVisible();
    await row.getByLabel(`Role of ${account.name}`, { exact: true }).selectOption('moderator');
    await row.getByRole('button', { name: `Save the role of ${account.name}` }).click();
    await expect(row.locator('.meta')).toContainText('Moderator');

    await admin.page.getByRole('link', { name: 'Audit log', exact: true }).click();
    const entry = admin.page.getByRole('row', { name: new RegExp(`changed a role.*${account.name}`) });
    await expect(entry).toContainText('member → moderator');
  } finally {
    await admin.context.close();
  }

  // The new moderator reaches the review queue at once.
  await gotoHydrated(page, '/');
  await accountMenu(page, account.name).click();
  await page.getByRole('link', { name: 'Moderation', exact: true }).click();
  await expect(page).toHaveURL(/\/moderation$/);
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  expect((await page.request.post('/api/moderation_queue', { headers: sameOrigin })).status()).toBe(200);
});


test('a member gives themself a picture, shown on their profile instead of initials', async ({ page }) => {
  const account = await registerMember(page, 'Picture');
  await gotoHydrated(page, '/settings/profile');
  await page.getByLabel('Picture (JPEG, PNG or WebP, up to 5 MB)').setInputFiles({
    name: 'me.png',
    mimeType: 'image/png',
    buffer: TINY_PNG,
  });
  await page.getByRole('button', { name: 'Upload picture', exact: true }).click();
  await expect(page).toHaveURL(/\/settings\/profile\?avatar=saved$/);
  await expect(page.getByRole('status').filter({ hasText: 'Your picture is saved.' })).toBeVisible();
  const picture = page.locator('.avatar-upload img.avatar');
  await expect(picture).toHaveAttribute('src', /^\/avatars\/[0-9a-f]{64}\/256\.jpg$/);
  const src = (await picture.getAttribute('src')) ?? '';
  const file = await page.request.get(src);
  expect(file.status()).toBe(200);
  expect(file.headers()['content-type']).toBe('image/jpeg');
  expect(file.headers()['cache-control']).toContain('immutable');

  await gotoHydrated(page, `/members/${account.handle}`);
  await expect(page.locator(`img.avatar[src="${src}"]`)).toBeVisible();

  // A file that is no picture is refused with a reason, and the picture stays.
  await gotoHydrated(page, '/settings/profile');
  await page.getByLabel('Picture (JPEG, PNG or WebP, up to 5 MB)').setInputFiles({
    name: 'notes.txt',
    mimeType: 'text/plain',
    buffer: Buffer.from('not a picture'),
  });
  await page.getByRole('button', { name: 'Upload picture', exact: true }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'Choose a JPEG, PNG or WebP picture.' })).toBeVisible();
  await expect(page.locator('.avatar-upload img.avatar')).toHaveAttribute('src', src);
});
