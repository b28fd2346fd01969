// Every page, now and later: signed in as each role, follow every same-origin
// link reachable by GET, and check each page. tests/api/browser.rs then checks
// that every GET route of the router was visited.
const fs = require('fs');
const path = require('path');
const { test, expect } = require('@playwright/test');
const { users, axeViolations, watchErrors, login, unreachableByKeyboard } = require('./helpers');

const OUT = path.join(__dirname, '..', '..', 'test-results', 'crawl');
const MAX_PAGES = 120;
/** Pages of one route checked at most: enough to catch what varies with data. */
const PER_ROUTE = 2;

/** The route a URL belongs to: ids and numbers become placeholders. */
function routeOf(url) {
  return url
    .split('?')[0]
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '{id}')
    .replace(/\/\d+(?=\/|$)/g, '/{n}');
}

/** Where links lead, without fragments and one-off notices. */
function normalise(href, origin) {
  const url = new URL(href, origin);
  if (url.origin !== origin || url.pathname.startsWith('/static/')) return null;
  url.hash = '';
  url.searchParams.delete('melding');
  return url.pathname + url.search;
}

/** A page that is meant to be missing: its own 404 is not an error. */
const NOT_FOUND = '/finnes-ikke';

async function checkPage(page, errors, url, shot) {
  errors.length = 0;
  const response = await page.goto(url);
  if (url === NOT_FOUND) {
    expect(response.status()).toBe(404);
    const own = errors.findIndex(e => e.includes('status of 404'));
    if (own >= 0) errors.splice(own, 1);
  } else {
    expect(response.status(), `${url} answers`).toBeLessThan(400);
  }
  expect(await page.locator('h1').count(), `${url}: exactly one h1`).toBe(1);
  expect(await page.getAttribute('html', 'lang'), `${url}: lang`).toBe('nb');
  expect(await page.locator('a.ds-skip-link[href="#main"]').count(), `${url}: skip link`).toBe(1);
  expect(await page.locator('body').innerText(), `${url}: template text in the page`).not.toMatch(/\{\{|\}\}|\{%/);
  expect(await axeViolations(page), `${url}: axe`).toEqual([]);
  expect(errors, `${url}: console errors or CSP violations`).toEqual([]);
  fs.mkdirSync(path.dirname(shot), { recursive: true });
  await page.screenshot({ path: shot, fullPage: true });
  expect(await unreachableByKeyboard(page), `${url}: controls the keyboard cannot reach`).toEqual([]);
  // Soft: every page that does not reflow is named in one run.
  expect.soft(await sidewaysAt320(page), `${url}: scrolls sideways at 320 CSS px (WCAG 1.4.10)`).toEqual([]);
}

/**
 * WCAG 1.4.10: at 320 CSS pixels (1280 at 400 % zoom) the page reflows
 * without scrolling sideways. The outermost elements that stick out, if it
 * does not.
 */
async function sidewaysAt320(page) {
  const size = page.viewportSize();
  await page.setViewportSize({ width: 320, height: 640 });
  const wide = await page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth <= width) return [];
    const sticksOut = e => e.getBoundingClientRect().right > width + 0.5;
    return [...document.querySelectorAll('body *')]
      .filter(e => sticksOut(e) && !(e.parentElement && sticksOut(e.parentElement)))
      .slice(0, 5)
      .map(e => {
        const classes = typeof e.className === 'string' && e.className.trim() ? `.${e.className.trim().split(/\s+/).join('.')}` : '';
        return `${e.tagName.toLowerCase()}${classes} by ${Math.round(e.getBoundingClientRect().right - width)} px`;
      });
  });
  await page.setViewportSize(size);
  return wide;
}

function slug(url) {
  return url.replace(/[^a-zA-Z0-9]+/g, '_').replace(/^_|_$/g, '') || 'root';
}

// `relocated` works at a centre that has relocated residents and received one.
for (const role of ['staff', 'coordinator', 'admin', 'relocated']) {
  test(`every page reachable as ${role} passes axe and the page rules`, async ({ page, baseURL }) => {
    const errors = watchErrors(page);
    await login(page, users[role]);
    const origin = new URL(baseURL).origin;
    const queue = ['/', NOT_FOUND];
    const visited = [];
    while (queue.length && visited.length < MAX_PAGES) {
      const url = queue.shift();
      if (visited.includes(url)) continue;
      if (visited.filter(v => routeOf(v) === routeOf(url)).length >= PER_ROUTE) continue;
      visited.push(url);
      await checkPage(page, errors, url, path.join(OUT, role, `${slug(url)}.png`));
      // A download (the compliance CSV) is no page: tests/api checks it.
      const hrefs = await page.$$eval('a[href]:not([download])', links => links.map(a => a.href));
      for (const href of hrefs) {
        const next = normalise(href, origin);
        if (next && !visited.includes(next) && !queue.includes(next)) queue.push(next);
      }
    }
    fs.mkdirSync(OUT, { recursive: true });
    fs.writeFileSync(path.join(OUT, `${role}.json`), JSON.stringify(visited, null, 2));
  });
}

test('pages for visitors who are not signed in pass too', async ({ page }) => {
  const errors = watchErrors(page);
  const visited = [];
  for (const url of ['/login', NOT_FOUND, process.env.TRYGG_TEST_SETUP_URL]) {
    await checkPage(page, errors, url, path.join(OUT, 'anonymous', `${slug(new URL(url, 'http://x').pathname)}.png`));
    visited.push(new URL(url, 'http://x').pathname);
  }
  // A form with errors, on the page everyone meets first.
  await page.goto('/login');
  await page.getByRole('button', { name: 'Logg inn' }).click();
  await expect(page.getByText('Skjemaet har feil')).toBeVisible();
  expect(await axeViolations(page)).toEqual([]);
  fs.mkdirSync(OUT, { recursive: true });
  fs.writeFileSync(path.join(OUT, 'anonymous.json'), JSON.stringify(visited, null, 2));
});
