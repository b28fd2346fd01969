// Browser tests in Debian's Chromium. Run through `cargo test` (tests/api/browser.rs),
// which starts Trygg, seeds it through the CLI and passes its address here.
const { defineConfig } = require('@playwright/test');

module.exports = defineConfig({
  testDir: 'tests/browser',
  // One worker, files in name order: the crawler sees the seeded data before
  // journeys.spec.js adds to it.
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  reporter: [['list']],
  timeout: 120_000,
  use: {
    baseURL: process.env.TRYGG_TEST_URL,
    actionTimeout: 5_000,
    locale: 'nb-NO',
    timezoneId: 'Europe/Oslo',
    viewport: { width: 1280, height: 800 },
    launchOptions: {
      executablePath: process.env.TRYGG_CHROMIUM || '/usr/bin/chromium',
      args: ['--disable-gpu', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
    },
  },
});
