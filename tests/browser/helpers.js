// Shared steps of the browser suite.
const crypto = require('crypto');
const fs = require('fs');
const { expect } = require('@playwright/test');
const AxeBuilder = require('@axe-core/playwright').default;

/** The accounts tests/api/browser.rs made through the CLI. */
const users = JSON.parse(process.env.TRYGG_TEST_USERS || '{}');

/** WCAG 2.0 and 2.1, levels A and AA: each violation as `rule: selectors`. */
async function axeViolations(page) {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  return results.violations.map(v => `${v.id}: ${v.nodes.map(n => n.target.join(' ')).join(', ')}`);
}

/** Collects console errors (CSP violations among them) and page errors. */
function watchErrors(page) {
  const errors = [];
  page.on('console', m => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', e => errors.push(e.message));
  return errors;
}

// The authenticator app, as the suite plays it: RFC 6238 with SHA-1, six
// digits, 30-second steps.
function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of text.replace(/[\s=]/g, '').toUpperCase()) {
    bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  }
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

function totp(secret, step) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = crypto.createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const n = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(n).padStart(6, '0');
}

/**
 * The secrets enrolled and the last step used per account, in a file, so
 * they outlive a worker restart. Trygg accepts each step's code once: a
 * second login within the same 30 seconds uses the next step's code (as a
 * person would wait for the app's next one), a third waits for it.
 */
const stateFile = process.env.TRYGG_TEST_TOTP_STATE;
const readState = () => (fs.existsSync(stateFile) ? JSON.parse(fs.readFileSync(stateFile, 'utf8')) : {});
const writeState = state => fs.writeFileSync(stateFile, JSON.stringify(state));

function secretOf(user) {
  return user.secret || readState()[`secret:${user.email}`];
}

async function freshCode(user) {
  for (;;) {
    const state = readState();
    const now = Math.floor(Date.now() / 30_000);
    const step = Math.max(now, (state[`step:${user.email}`] ?? -1) + 1);
    if (step <= now + 1) {
      state[`step:${user.email}`] = step;
      writeState(state);
      return totp(secretOf(user), step);
    }
    await new Promise(resolve => setTimeout(resolve, 1000));
  }
}

/** Reads the key the enrolment page shows into the "app", and remembers it. */
async function readEnrolmentKey(page, user) {
  const key = (await page.locator('#secret').textContent()).replace(/\s/g, '');
  const state = readState();
  state[`secret:${user.email}`] = key;
  state[`step:${user.email}`] = Math.floor(Date.now() / 30_000);
  writeState(state);
  return totp(key, state[`step:${user.email}`]);
}

/** Logs in with the password and then the app's code (enrolling it first when the account has none). */
async function login(page, user) {
  await page.goto('/login');
  await page.getByLabel('E-post').fill(user.email);
  await page.getByLabel(/^Passord/).fill(user.password);
  await page.getByRole('button', { name: 'Logg inn' }).click();
  if (secretOf(user)) {
    await page.getByLabel(/^Engangskode/).fill(await freshCode(user));
    await page.getByRole('button', { name: 'Logg inn' }).click();
  } else {
    await page.getByLabel(/^Kode fra appen/).fill(await readEnrolmentKey(page, user));
    await page.getByRole('button', { name: 'Bekreft og fortsett' }).click();
    await page.getByRole('link', { name: /fortsett/ }).click();
  }
  await expect(page.getByRole('heading', { level: 1 })).toContainText(user.name);
}

/** The focused element, or the field around it, shows a focus indicator. */
async function expectFocusVisible(page) {
  const focus = await page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const shows = node => {
      if (!node) return false;
      const s = getComputedStyle(node);
      const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
      return outline || (s.boxShadow && s.boxShadow !== 'none');
    };
    return {
      element: `${el.tagName.toLowerCase()}#${el.id} "${(el.textContent || el.value || '').trim().slice(0, 30)}"`,
      visible: shows(el) || shows(el.closest('.ds-field')),
    };
  });
  expect(focus, 'something has keyboard focus').not.toBeNull();
  expect(focus.visible, `visible focus on ${focus.element}`).toBe(true);
}

/** Tabs (or Shift-Tabs) to `target`, checking the focus is visible at every step. */
async function tabTo(page, target, { back = false, max = 40 } = {}) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
    await expectFocusVisible(page);
    if (await target.evaluate(el => el === document.activeElement)) return;
  }
  throw new Error(`could not reach ${target} with ${back ? 'Shift-Tab' : 'Tab'}`);
}

/**
 * Tabs through the whole page from the top and returns the controls that
 * never took the focus: visible links, buttons and fields (a radio group
 * counts as reached when one of its radios is).
 */
async function unreachableByKeyboard(page) {
  // Tab order is a cycle through the page (and the browser's own controls,
  // where focus leaves the document): walk it until it comes round again.
  const reached = [];
  let outside = 0;
  for (let i = 0; i < 300 && outside < 3; i++) {
    await page.keyboard.press('Tab');
    const key = await page.evaluate(() => {
      const el = document.activeElement;
      if (!el || el === document.body) return null;
      el.dataset.kbdKey ??= String(document.querySelectorAll('[data-kbd-key]').length);
      return el.type === 'radio' ? `radio:${el.name}` : el.dataset.kbdKey;
    });
    if (key === null) {
      outside += 1;
      continue;
    }
    if (reached.includes(key)) break;
    reached.push(key);
  }
  return page.evaluate(reached => {
    const controls = document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea');
    return [...controls]
      .filter(el => el.getClientRects().length > 0 || el.classList.contains('ds-skip-link'))
      .filter(el => !reached.includes(el.type === 'radio' ? `radio:${el.name}` : el.dataset.kbdKey))
      .map(el => `${el.tagName.toLowerCase()} "${(el.textContent || el.name || '').trim().slice(0, 40)}"`);
  }, reached);
}

/**
 * Logs in with the keyboard alone, checking Shift-Tab on the way; with
 * `axe`, axe checks each step's page too.
 */
async function keyboardLogin(page, user, { axe = false } = {}) {
  const check = async () => axe && expect(await axeViolations(page)).toEqual([]);
  await page.goto('/login');
  await tabTo(page, page.locator('a.ds-skip-link'));
  await tabTo(page, page.getByLabel('E-post'));
  await page.keyboard.type(user.email);
  await tabTo(page, page.getByLabel(/^Passord/));
  await page.keyboard.type(user.password);
  await tabTo(page, page.getByRole('button', { name: 'Logg inn' }));
  // Shift-Tab goes back, Tab forward again.
  await tabTo(page, page.getByLabel(/^Passord/), { back: true });
  await tabTo(page, page.getByRole('button', { name: 'Logg inn' }));
  await page.keyboard.press('Enter');
  if (secretOf(user)) {
    await page.waitForURL('**/login/code**');
    await check();
    await tabTo(page, page.getByLabel(/^Engangskode/));
    await page.keyboard.type(await freshCode(user));
    await tabTo(page, page.getByRole('button', { name: 'Logg inn' }));
    await page.keyboard.press('Enter');
  } else {
    // The first login enrols the app: the key is read off the page, as a
    // person types it into the app when the phone cannot scan.
    await page.waitForURL('**/login/enrol**');
    await check();
    const code = await readEnrolmentKey(page, user);
    await tabTo(page, page.getByLabel(/^Kode fra appen/));
    await page.keyboard.type(code);
    await tabTo(page, page.getByRole('button', { name: 'Bekreft og fortsett' }));
    await page.keyboard.press('Enter');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Totrinnsinnlogging er satt opp');
    await expect(page.locator('ol.recovery-codes li')).toHaveCount(10);
    await check();
    await tabTo(page, page.getByRole('link', { name: /fortsett/ }));
    await page.keyboard.press('Enter');
  }
  await expect(page.getByRole('heading', { level: 1 })).toContainText(user.name);
}

/**
 * The page as Chromium prints it on A4: its text, page by page (pdf.js reads
 * the PDF the way a PDF reader would).
 */
async function printedPages(page) {
  const pdf = await page.pdf({ format: 'A4', printBackground: true });
  const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const doc = await pdfjs.getDocument({ data: new Uint8Array(pdf), verbosity: 0 }).promise;
  const pages = [];
  for (let n = 1; n <= doc.numPages; n++) {
    const content = await (await doc.getPage(n)).getTextContent();
    pages.push(content.items.map(item => item.str).join(' ').replace(/\s+/g, ' '));
  }
  return pages;
}

module.exports = {
  users, axeViolations, watchErrors, login, expectFocusVisible, tabTo, unreachableByKeyboard, keyboardLogin,
  printedPages,
};
