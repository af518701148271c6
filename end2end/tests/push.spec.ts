import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type BrowserContext, type Page, type Worker } from '@playwright/test';
import { NotificationDesktop } from './desktop-notifications';
import { DEMO, expectNotReloaded, gotoHydrated, markDocument, messages, registerMember, startWithJose, tag } from './helpers';

// Web push in the browser: the settings flow, the service worker's
// registration, a push delivered to the worker (through the DevTools
// protocol, as a push service would) showing a notification for the thread,
// and a click on that notification opening the thread.
//
// Headless Chromium reaches no real push service, so `pushManager.subscribe`
// answers with a subscription at an address the portal accepts in this run
// (PORTAL_E2E_PUSH_ORIGIN); everything else is the browser's and the portal's own.
test.use({ serviceWorkers: 'allow' });

const PUSH_ORIGIN = process.env.PORTAL_E2E_PUSH_ORIGIN ?? '127.0.0.1:3127';
// A browser's keys (a P-256 point and 16 bytes), as a real subscription carries them.
const P256DH = 'BLn9b-VR0ca83knDNZ32dCHGyjJp-1riX9ZTN40MqV8K_LpQmLqxC_DoHvqvFXO_nGdAB4W9dogZb_sM-uV4JbY';
const AUTH = '_ordMnz7uTCmrpBTeUV4Bw';

/** What the portal pushes (app/src/backend/notifications/push/compose.rs). */
interface Push {
  title: string;
  body: string;
  url: string;
  tag: string;
}

/** Waits until this page's service worker is activated. */
async function workerActivated(page: Page) {
  // `ready` resolves when the worker starts activating; a push delivered
  // before its activation is over (it enables navigation preload and claims
  // the open pages meanwhile) can be lost, so wait until it is activated.
  await page.evaluate(async () => {
    const worker = (await navigator.serviceWorker.ready).active;
    if (worker && worker.state !== 'activated') {
      await new Promise<void>((resolve) => {
        worker.addEventListener('statechange', () => {
          if (worker.state === 'activated') resolve();
        });
      });
    }
  });
}

/** Hands `push` to the page's service worker, as the push service does. */
async function deliverPush(page: Page, context: BrowserContext, push: Push) {
  const cdp = await context.newCDPSession(page);
  const registration = new Promise<string>((resolve) => {
    cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }) => {
      const ours = registrations.find((r: { scopeURL: string; isDeleted: boolean }) => !r.isDeleted);
      if (ours) resolve(ours.registrationId);
    });
  });
  await cdp.send('ServiceWorker.enable');
  await cdp.send('ServiceWorker.deliverPushMessage', {
    origin: new URL(page.url()).origin,
    registrationId: await registration,
    data: JSON.stringify(push),
  });
}

test('a member turns notifications on for this browser, a push shows for the thread, and the browser is removed', async ({
  page,
  context,
}, testInfo) => {
  await context.grantPermissions(['notifications']);
  const endpoint = `http://${PUSH_ORIGIN}/push/${testInfo.project.name}-${Date.now()}`;
  await context.addInitScript(
    ({ endpoint, p256dh, auth }) => {
      // A PushSubscription as the browser would hand it over.
      const subscription = Object.create(PushSubscription.prototype);
      Object.defineProperty(subscription, 'endpoint', { value: endpoint });
      Object.defineProperty(subscription, 'toJSON', {
        value: () => ({ endpoint, expirationTime: null, keys: { p256dh, auth } }),
      });
      let subscribed = false;
      PushManager.prototype.subscribe = async function subscribe(options) {
        if (!options?.userVisibleOnly || !options?.applicationServerKey) {
          throw new Error('the portal must ask for visible pushes with its key');
        }
        subscribed = true;
        return subscription;
      };
      PushManager.prototype.getSubscription = async () => (subscribed ? subscription : null);
    },
    { endpoint, p256dh: P256DH, auth: AUTH },
  );
  await registerMember(page, 'Pushed');
  await gotoHydrated(page, '/settings/notifications');
  await workerActivated(page);

  const section = page.locator('#push ~ *');
  await page.getByRole('button', { name: 'Turn on notifications on this device', exact: true }).click();
  await expect(page.getByRole('status').filter({ hasText: 'This browser gets notifications' })).toBeVisible();
  const devices = page.getByRole('list', { name: 'Browsers that get notifications' }).getByRole('listitem');
  await expect(devices).toHaveCount(1);
  await expect(devices.first()).toContainText('(this browser)');
  await expect(section.getByRole('button', { name: 'Turn on notifications on this device' })).toBeHidden();

  // A push, as the push service hands it to the browser: a notification for the thread.
  await deliverPush(page, context, {
    title: 'Alice Martin wrote to you',
    body: 'Lunch?',
    url: '/conversations/1',
    tag: 'conversation-1',
  });
  await expect
    .poll(() =>
      page.evaluate(async () => {
        const shown = await (await navigator.serviceWorker.ready).getNotifications();
        return shown.map((n) => ({ title: n.title, body: n.body, tag: n.tag, url: n.data?.url }));
      }),
    )
    .toEqual([{ title: 'Alice Martin wrote to you', body: 'Lunch?', tag: 'conversation-1', url: '/conversations/1' }]);

  // Removed: no browser gets them any more.
  await devices.first().getByRole('button', { name: /^Remove / }).click();
  await expect(devices).toHaveCount(0);
});

// --- A click on the notification --------------------------------------------
//
// Chromium on Linux shows a page's notification through the desktop's
// notification server (the freedesktop.org Notifications service, on the
// session D-Bus) and hears from it of a click on it; nothing in the DevTools
// protocol clicks one. So these tests give the browser a desktop of its own: a
// notification server that keeps what the browser shows and clicks it as a
// person would. The click then reaches the worker as on any desktop, with the
// permission to bring a tab forward or open one that only a click gives.

/**
 * For the tests of a click: a browser on a desktop of its own. A click on a
 * notification goes back to the browser's own profile, which the contexts a
 * test gets are not (it would reach no worker from those): so `context` is a
 * browser of its own, with this project's settings, and `page` its tab.
 */
const onDesktop = test.extend<{ desktop: NotificationDesktop }>({
  desktop: async ({}, use) => {
    const desktop = await NotificationDesktop.start();
    await use(desktop);
    await desktop.stop();
  },
  context: async (
    {
      playwright,
      launchOptions,
      headless,
      baseURL,
      viewport,
      deviceScaleFactor,
      isMobile,
      hasTouch,
      userAgent,
      desktop,
    },
    use,
  ) => {
    const profile = await mkdtemp(path.join(os.tmpdir(), 'portal-profile-'));
    const context = await playwright.chromium.launchPersistentContext(profile, {
      ...launchOptions,
      env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: desktop.address },
      headless,
      baseURL,
      viewport,
      deviceScaleFactor,
      isMobile,
      hasTouch,
      userAgent,
      serviceWorkers: 'allow',
    });
    await context.grantPermissions(['notifications']);
    await use(context);
    await context.close();
    await rm(profile, { recursive: true, force: true });
  },
  page: async ({ context }, use) => {
    await use(context.pages()[0] ?? (await context.newPage()));
  },
});

/** A push for the thread at `thread`, once its notification is on the desktop. */
async function pushShown(page: Page, context: BrowserContext, desktop: NotificationDesktop, thread: string) {
  const title = `${DEMO.jose.name} wrote to you ${tag()}`;
  await workerActivated(page);
  await deliverPush(page, context, { title, body: 'See you there', url: thread, tag: `conversation-${tag()}` });
  await expect.poll(() => desktop.find(title)?.title, { message: 'the notification is shown' }).toBe(title);
  return desktop.find(title)!;
}

/**
 * Watches the worker's next notification click. The function returned waits
 * until the worker has done all it does for the click and answers the paths
 * of the tabs it brought forward (which headless pages do not show: they all
 * have focus). The worker's `focus()` and `waitUntil()` still do what they do;
 * this only notes them.
 */
async function watchNextClick(context: BrowserContext): Promise<() => Promise<string[]>> {
  const isPortals = (worker: Worker) => new URL(worker.url()).pathname === '/sw.js';
  const worker = context.serviceWorkers().find(isPortals) ?? (await context.waitForEvent('serviceworker', isPortals));
  await worker.evaluate(() => {
    const scope = self as any;
    const brought: string[] = [];
    const { focus } = scope.WindowClient.prototype;
    scope.WindowClient.prototype.focus = function noted(this: { url: string }) {
      brought.push(new URL(this.url).pathname);
      return focus.call(this);
    };
    const { waitUntil } = scope.ExtendableEvent.prototype;
    scope.e2eClickDone = new Promise((resolve) => {
      scope.ExtendableEvent.prototype.waitUntil = function noted(this: Event, work: Promise<unknown>) {
        if (this.type === 'notificationclick') resolve(Promise.resolve(work).then(() => brought));
        return waitUntil.call(this, work);
      };
    });
  });
  return () => worker.evaluate(() => (self as any).e2eClickDone);
}

onDesktop(
  'a click on the notification opens the thread in the portal tab that is open',
  async ({ page, context, desktop }) => {
    await registerMember(page, 'Clicker');
    const said = `Dinner at eight? ${tag()}`;
    const thread = `/conversations/${await startWithJose(page, said)}`;
    // The member is elsewhere in the portal when the push comes.
    await gotoHydrated(page, '/settings/notifications');
    const shown = await pushShown(page, context, desktop, thread);
    const clickDone = await watchNextClick(context);

    desktop.click(shown);

    // That tab comes forward and shows the thread; the notification is gone.
    expect(await clickDone()).toEqual(['/settings/notifications']);
    await expect(page).toHaveURL(thread);
    await expect(messages(page).filter({ hasText: said })).toBeVisible();
    await expect.poll(() => desktop.shown.has(shown.id), { message: 'the notification is gone' }).toBe(false);
    expect(context.pages()).toHaveLength(1);
  },
);

onDesktop(
  'a click on the notification opens the thread in a new tab when no portal tab is open',
  async ({ page, context, desktop }) => {
    await registerMember(page, 'Opener');
    const said = `Lunch tomorrow? ${tag()}`;
    const thread = `/conversations/${await startWithJose(page, said)}`;
    await gotoHydrated(page, '/');
    const shown = await pushShown(page, context, desktop, thread);
    // The member has left the portal meanwhile.
    await page.goto('about:blank');

    const opened = context.waitForEvent('page');
    desktop.click(shown);

    const tab = await opened;
    await expect(tab).toHaveURL(thread);
    await expect(messages(tab).filter({ hasText: said })).toBeVisible();
    await expect.poll(() => desktop.shown.has(shown.id), { message: 'the notification is gone' }).toBe(false);
    await expect(page).toHaveURL('about:blank');
  },
);

onDesktop(
  'a click on the notification brings forward the tab already showing the thread, as it is',
  async ({ page, context, desktop }) => {
    await registerMember(page, 'Returner');
    const said = `Still on for Friday? ${tag()}`;
    const thread = `/conversations/${await startWithJose(page, said)}`;
    // Two tabs of the portal: the thread, and the conversation list.
    await gotoHydrated(page, thread);
    await expect(messages(page).filter({ hasText: said })).toBeVisible();
    const mark = await markDocument(page);
    const other = await context.newPage();
    await gotoHydrated(other, '/conversations');
    const shown = await pushShown(other, context, desktop, thread);
    const clickDone = await watchNextClick(context);

    desktop.click(shown);

    // The thread's tab comes forward as it was (not reloaded, not opened a
    // second time); the other tab stays where it was.
    expect(await clickDone()).toEqual([thread]);
    await expectNotReloaded(page, mark, 'the thread');
    await expect(page).toHaveURL(thread);
    await expect(other).toHaveURL(/\/conversations$/);
    expect(context.pages()).toHaveLength(2);
    await expect.poll(() => desktop.shown.has(shown.id), { message: 'the notification is gone' }).toBe(false);
  },
);
