import { expect, test } from '@playwright/test';
import { gotoHydrated, registerMember } from './helpers';

// Web push in the browser: the settings flow, the service worker's
// registration, and a push delivered to the worker (through the DevTools
// protocol, as a push service would) showing a notification for the thread.
//
// Headless Chromium reaches no real push service, so `pushManager.subscribe`
// answers with a subscription at an address the portal accepts in this run
// (PORTAL_E2E_PUSH_ORIGIN); everything else is the browser's and the portal's own.
test.use({ serviceWorkers: 'allow' });

const PUSH_ORIGIN = process.env.PORTAL_E2E_PUSH_ORIGIN ?? '127.0.0.1:3127';
// A browser's keys (a P-256 point and 16 bytes), as a real subscription carries them.
const P256DH = 'BLn9b-VR0ca83knDNZ32dCHGyjJp-1riX9ZTN40MqV8K_LpQmLqxC_DoHvqvFXO_nGdAB4W9dogZb_sM-uV4JbY';
const AUTH = '_ordMnz7uTCmrpBTeUV4Bw';

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

  const section = page.locator('#push ~ *');
  await page.getByRole('button', { name: 'Turn on notifications on this device', exact: true }).click();
  await expect(page.getByRole('status').filter({ hasText: 'This browser gets notifications' })).toBeVisible();
  const devices = page.getByRole('list', { name: 'Browsers that get notifications' }).getByRole('listitem');
  await expect(devices).toHaveCount(1);
  await expect(devices.first()).toContainText('(this browser)');
  await expect(section.getByRole('button', { name: 'Turn on notifications on this device' })).toBeHidden();

  // A push, as the push service hands it to the browser: a notification for the thread.
  const cdp = await context.newCDPSession(page);
  const registration = new Promise<string>((resolve) => {
    cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }) => {
      const ours = registrations.find((r: { scopeURL: string; isDeleted: boolean }) => !r.isDeleted);
      if (ours) resolve(ours.registrationId);
    });
  });
  await cdp.send('ServiceWorker.enable');
  const origin = new URL(page.url()).origin;
  await cdp.send('ServiceWorker.deliverPushMessage', {
    origin,
    registrationId: await registration,
    data: JSON.stringify({ title: 'Alice Martin wrote to you', body: 'Lunch?', url: '/conversations/1', tag: 'conversation-1' }),
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
