// Issue 18: a coordinator restricts a case to named staff; another staff
// member meets «Begrenset tilgang», finds it by no name, and the attempt shows in
// the case's Tilgangslogg.
const { test, expect } = require('@playwright/test');
const { users, login, axeViolations } = require('./helpers');

test('a coordinator restricts a case, and another staff member cannot reach it', async ({ page, browser }) => {
  await login(page, users.coordinator);
  await page.goto('/cases');
  await page.getByRole('link', { name: 'Ny sak' }).first().click();
  await page.getByLabel(/^Fullt navn/).fill('Gro Skjermesen');
  await page.getByLabel(/^Fødselsdato/).fill('02.05.1990');
  await page.getByRole('button', { name: 'Opprett saken' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Gro Skjermesen');
  const casePath = new URL(page.url()).pathname;

  await page.getByRole('link', { name: 'Begrens tilgangen' }).click();
  expect(await axeViolations(page), 'the restriction form').toEqual([]);
  await page.getByRole('radio', { name: /^Bare ansatte du krysser av for/ }).check();
  // The one restricting is the contact person, ticked already.
  await expect(page.getByRole('checkbox', { name: /^Kåre Koordinator/ })).toBeChecked();
  await page.getByRole('button', { name: 'Lagre tilgangen' }).click();
  await expect(page.getByText('Tilgangen er begrenset.')).toBeVisible();
  await expect(page.getByText('Bare Kåre Koordinator kan åpne saken.')).toBeVisible();

  const context = await browser.newContext({ baseURL: process.env.TRYGG_TEST_URL, locale: 'nb-NO', timezoneId: 'Europe/Oslo' });
  const staff = await context.newPage();
  await login(staff, users.staff);
  await staff.goto('/cases');
  await expect(staff.getByText('Begrenset tilgang').first()).toBeVisible();
  await expect(staff.getByText('Skjermesen')).toHaveCount(0);
  await staff.getByLabel('Søk på navn').fill('Skjermesen');
  await staff.getByRole('button', { name: 'Søk' }).click();
  await expect(staff.getByText('Ingen saker passer')).toBeVisible();

  const refused = await staff.goto(casePath);
  expect(refused.status()).toBe(403);
  await expect(staff.getByRole('heading', { level: 1 })).toHaveText('Du har ikke tilgang til denne saken');
  await expect(staff.locator('main')).toContainText('Kontaktperson: Kåre Koordinator');
  await expect(staff.locator('main')).not.toContainText('Skjermesen');
  expect(await axeViolations(staff), 'the refusal').toEqual([]);
  await context.close();

  await page.goto(`${casePath}/access-log`);
  await expect(page.getByRole('cell', { name: 'Forsøk på å åpne saken uten tilgang (avvist)' })).toBeVisible();
  await expect(page.getByRole('cell', { name: 'Sara Ansatt' }).first()).toBeVisible();
});
