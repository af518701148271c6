import { expect, test } from '@playwright/test';
import { DEMO, expectNotReloaded, markDocument, navLink, signIn } from './helpers';

// With PORTAL_CLIENT_SPLIT=1 the client comes in parts: the shell on every page,
// and a group of pages (entry, inbox, thread, people, settings, moderation) when
// one of its routes is first shown.
const part = (group: string) => new RegExp(`/pkg/.+/split_+${group}_\\d+\\.wasm$`);

test.describe('the client in parts', () => {
  test.skip(process.env.PORTAL_CLIENT_SPLIT !== '1', 'the client is in parts only with PORTAL_CLIENT_SPLIT=1');

  test('a group of pages is fetched when one of its routes is first shown, not before', async ({ page }) => {
    const fetched: string[] = [];
    page.on('request', (request) => fetched.push(request.url()));
    await signIn(page, DEMO.alice.email, DEMO.alice.name);
    expect(fetched.some((url) => part('entry').test(url)), 'the home page’s group').toBe(true);
    expect(fetched.some((url) => part('people').test(url)), 'the directories before they are shown').toBe(false);

    const mark = await markDocument(page);
    await (await navLink(page, 'Members')).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Members' })).toBeVisible();
    await expect(page.locator('main').getByRole('list').first().getByRole('link').first()).toBeVisible();
    expect(fetched.some((url) => part('people').test(url)), 'the directories once shown').toBe(true);
    await expectNotReloaded(page, mark, 'the directory');
  });
});
