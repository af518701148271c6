import { expect, test } from '@playwright/test';
import { DEMO, gotoHydrated, registerMember, tag } from './helpers';

// Times in the reader's zone: the browser's (here Tokyo), on the page the
// server writes as well as once it runs; or the zone the member chose.
test.use({ timezoneId: 'Asia/Tokyo' });

test('times follow the browser’s zone, in the server’s HTML too, until the member chooses another', async ({
  page,
}) => {
  await registerMember(page, 'Tokyo');
  const text = `What time is it there? ${tag()}`;
  await gotoHydrated(page, `/conversations/new?to=member:${DEMO.bob.handle}`);
  await page.getByRole('textbox', { name: 'Message', exact: true }).fill(text);
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(page).toHaveURL(/\/conversations\/\d+$/);
  const time = page.locator('li.message').filter({ hasText: text }).locator('time').first();
  // Once the page runs: the browser's zone (Intl writes Tokyo as GMT+9).
  await expect(time).toHaveAttribute('title', /GMT\+9|Japan/);

  // The next page comes from the server already in Tokyo time: the browser
  // told it, and a cookie says so.
  const html = await (await page.request.get(page.url(), { headers: { accept: 'text/html' } })).text();
  expect(html).toContain(' JST"');
  expect(html).not.toMatch(/\d\d:\d\d UTC</);

  // The member chooses UTC in their account settings: pages follow it.
  await gotoHydrated(page, '/settings/account');
  const choice = page.getByLabel('Times on your pages and in your emails');
  await expect(choice.locator('option:checked')).toHaveText("Automatic: your browser's (Asia/Tokyo)");
  await choice.selectOption('UTC');
  await page.getByRole('button', { name: 'Save time zone', exact: true }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved.' })).toBeVisible();
  await page.goBack();
  await expect(time).toHaveAttribute('title', /UTC|Coordinated Universal Time/);
  const html2 = await (await page.request.get(page.url(), { headers: { accept: 'text/html' } })).text();
  expect(html2).toContain(' UTC"');

  // Automatic again: Tokyo.
  await gotoHydrated(page, '/settings/account');
  await page.getByLabel('Times on your pages and in your emails').selectOption('');
  await page.getByRole('button', { name: 'Save time zone', exact: true }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved.' })).toBeVisible();
  await page.goBack();
  await expect(time).toHaveAttribute('title', /GMT\+9|Japan/);
});
