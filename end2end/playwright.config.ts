import { defineConfig, devices } from '@playwright/test';

// The portal is started by .ci/portal.sh (with demo data) and found at PORTAL_URL.
// Chromium comes from Debian: Playwright never downloads a browser here.
const chromium = {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-quic',
  ],
};

export default defineConfig({
  testDir: './tests',
  // A test's whole budget. The longest (several members, each signing in and
  // loading pages with the live stream) take 10-15 s here with two workers; a CI
  // machine was seen running a scripted load 5 times slower than this one. A
  // step that hangs still fails after the expect timeout below.
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: true,
  workers: 2,
  retries: 0,
  reporter: process.env.CI ? 'line' : 'list',
  use: {
    baseURL: process.env.PORTAL_URL ?? 'http://127.0.0.1:3100',
    trace: 'retain-on-failure',
    launchOptions: chromium,
    // The portal's service worker (app/client/sw.js) stays out of the way of
    // the other tests; installable.spec.ts lets it in.
    serviceWorkers: 'block',
  },
  projects: [
    { name: 'desktop', use: { ...devices['Desktop Chrome'], launchOptions: chromium } },
    {
      name: 'phone',
      use: {
        viewport: { width: 390, height: 844 },
        deviceScaleFactor: 3,
        isMobile: true,
        hasTouch: true,
        launchOptions: chromium,
      },
    },
  ],
});
