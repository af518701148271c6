// The portal's service worker, served at /sw.js (server/src/installable.rs) and
// registered by the boot script once a page is live.
//
// Pages are private and live, so none is ever cached: a page is fetched from
// the network as without a worker (with navigation preload, so the worker's
// start costs no time). When the network fails, the portal's own "You are
// offline" page (`/offline`, kept at install) answers instead of the browser's
// error. Nothing but page loads goes through it.

const CACHE = 'portal-offline-v1';
const OFFLINE = '/offline';

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.add(OFFLINE))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      const names = await caches.keys();
      await Promise.all(names.filter((name) => name !== CACHE).map((name) => caches.delete(name)));
      if (self.registration.navigationPreload) {
        await self.registration.navigationPreload.enable();
      }
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('fetch', (event) => {
  const { request } = event;
  // Forms posted without the client go to the network untouched.
  if (request.mode !== 'navigate' || request.method !== 'GET') {
    return;
  }
  event.respondWith(
    (async () => {
      try {
        const preloaded = await event.preloadResponse;
        return preloaded ?? (await fetch(request));
      } catch {
        return (await caches.match(OFFLINE)) ?? Response.error();
      }
    })(),
  );
});

// A push from the portal (server/src/pusher.rs): the JSON of
// `backend::notifications::push::Push`, decrypted by the browser. One
// notification per conversation (its tag): a newer message replaces it.
self.addEventListener('push', (event) => {
  let push = {};
  try {
    push = event.data ? event.data.json() : {};
  } catch {
    push = {};
  }
  event.waitUntil(
    self.registration.showNotification(push.title || 'New message', {
      body: push.body || '',
      tag: push.tag,
      renotify: Boolean(push.tag),
      icon: '/icons/icon-192.png',
      data: { url: push.url || '/conversations' },
    }),
  );
});

// A click opens the conversation: in a tab already showing it, else in an
// open tab of the portal, else in a new one.
self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = new URL(event.notification.data?.url || '/conversations', self.location.origin);
  if (url.origin !== self.location.origin) {
    return;
  }
  event.waitUntil(
    (async () => {
      const tabs = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
      const showing = tabs.find((tab) => new URL(tab.url).pathname === url.pathname);
      if (showing) {
        return showing.focus();
      }
      const open = tabs.find((tab) => 'navigate' in tab);
      if (open) {
        // A browser may refuse the focus (the click's permission ran out): the
        // tab still goes to the thread.
        await open.focus().catch(() => {});
        return open.navigate(url.href);
      }
      return self.clients.openWindow(url.href);
    })(),
  );
});
