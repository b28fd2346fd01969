// Issue 12 in a real browser (U4, P10): a coordinator sees an overdue plan
// on the dashboard and in the work list; staff make a new version and send
// it; the coordinator approves it, and the overdue review is gone.
const { test, expect } = require('@playwright/test');
const { users, login, axeViolations } = require('./helpers');

test('an overdue review is seen, revised, approved and gone', async ({ page, browser }) => {
  const person = users.overdue_person;
  await login(page, users.coordinator);
  const counts = page.locator('.flag-counts');
  const overdueCount = async () => {
    const item = counts.locator('li', { hasText: 'Forsinket revisjon' });
    if (await item.count() === 0) return 0;
    return Number((await item.textContent()).match(/(\d+)\s*$/)[1]);
  };
  const before = await overdueCount();
  expect(before).toBeGreaterThan(0);
  await counts.getByRole('link', { name: 'Forsinket revisjon' }).click();
  await expect(page).toHaveURL(/\/reviews#flag-overdue_review$/);
  const overdue = page.locator('table[data-flag="overdue_review"]');
  await expect(overdue.getByRole('row', { name: new RegExp(person) })).toContainText('Fristen gikk ut for 3 dager siden');
  expect(await axeViolations(page)).toEqual([]);
  await overdue.getByRole('link', { name: person }).click();
  const planUrl = page.url();

  // Staff write the next version from the approved one and send it.
  const staff = await browser.newPage();
  await login(staff, users.staff);
  await staff.goto(planUrl);
  await staff.getByRole('button', { name: 'Endre planen (ny versjon)' }).click();
  await staff.getByRole('button', { name: 'Send til godkjenning' }).click();
  await expect(staff.getByText('Sikkerhetsplanen er sendt til godkjenning.')).toBeVisible();

  // The coordinator approves it; the review is no longer overdue.
  await page.goto('/reviews');
  await page.locator('#waiting + p + table').getByRole('link', { name: person }).click();
  // The new version builds on the newest mapping; a measure may answer
  // nothing there any more (P7), and then the approval says why.
  await page.getByLabel(/^Begrunnelse for tiltak/).fill('Gjennomgått med beboeren: tiltakene trengs fortsatt.');
  await page.getByRole('button', { name: 'Godkjenn planen' }).click();
  await expect(page.getByText('Sikkerhetsplanen er godkjent.')).toBeVisible();
  await expect(page.locator('table[data-flag="overdue_review"]').getByRole('link', { name: person })).toHaveCount(0);
  await page.goto('/');
  expect(await overdueCount()).toBe(before - 1);
});
