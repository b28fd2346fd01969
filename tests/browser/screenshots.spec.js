// Screenshots of the main pages for the README (docs/screenshots/), and the
// print stylesheet: no navigation on paper.
const path = require('path');
const { test, expect } = require('@playwright/test');
const { users, login } = require('./helpers');

const DOCS = path.join(__dirname, '..', '..', 'docs', 'screenshots');

test('screenshots of the main pages', async ({ page }) => {
  await page.goto('/login');
  await page.screenshot({ path: path.join(DOCS, 'login.png'), fullPage: true });
  await login(page, users.admin);
  await page.goto('/');
  await page.screenshot({ path: path.join(DOCS, 'dashboard.png'), fullPage: true });
  await page.goto('/admin/users');
  await page.screenshot({ path: path.join(DOCS, 'users.png'), fullPage: true });
  await page.goto('/admin/audit');
  await page.screenshot({ path: path.join(DOCS, 'audit.png'), fullPage: true });
  await page.goto('/cases');
  await page.screenshot({ path: path.join(DOCS, 'cases.png'), fullPage: true });
  // A case whose resident has a completed mapping, so the pictures show one.
  const mapped = page.locator('tbody tr').filter({
    has: page.locator('td:first-child .mapping-mark', { hasText: /^Kartlagt$/ }),
  });
  await mapped.first().locator('a').first().click();
  await page.screenshot({ path: path.join(DOCS, 'case.png'), fullPage: true });
  await page.getByRole('link', { name: /^Kartlegging for / }).first().click();
  await page.screenshot({ path: path.join(DOCS, 'mapping.png'), fullPage: true });
});

test('screenshots of a safety plan and its review', async ({ page }) => {
  await login(page, users.coordinator);
  await page.goto('/reviews');
  await page.screenshot({ path: path.join(DOCS, 'reviews.png'), fullPage: true });
  await page.locator('tbody a').first().click();
  await page.screenshot({ path: path.join(DOCS, 'review.png'), fullPage: true });
  await page.getByRole('link', { name: 'Sikkerhetsplanen', exact: true }).click();
  await page.screenshot({ path: path.join(DOCS, 'plan.png'), fullPage: true });
});

test('printed pages leave out the navigation', async ({ page }) => {
  await login(page, users.admin);
  await page.goto('/admin/users');
  await page.emulateMedia({ media: 'print' });
  await expect(page.locator('.site-header')).toBeHidden();
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  const pdf = await page.pdf({ format: 'A4' });
  expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
});
