// Forms that help: the error summary links to the fields, each message sits
// next to its field and is read with it, and nothing typed is lost.
const { test, expect } = require('@playwright/test');
const { users, login, axeViolations } = require('./helpers');

test('the account form explains its errors and keeps every value', async ({ page }) => {
  await login(page, users.admin);
  await page.goto('/admin/users/new');
  await page.getByLabel(/^E-post/).fill('ikke en adresse');
  await page.getByRole('radio', { name: 'Administrator' }).check();
  await page.getByRole('button', { name: 'Opprett bruker' }).click();

  const summary = page.locator('.ds-error-summary');
  await expect(summary).toBeVisible();
  await expect(summary).toBeFocused();
  expect(await axeViolations(page)).toEqual([]);

  // Each message is next to its field, and the field is described by it.
  for (const [label, message] of [[/^Fullt navn/, 'Skriv inn fullt navn.'], [/^E-post/, 'gyldig e-postadresse']]) {
    const field = page.getByLabel(label);
    await expect(field).toHaveAttribute('aria-invalid', 'true');
    const describedBy = await field.getAttribute('aria-describedby');
    const ids = describedBy.split(' ');
    const texts = await Promise.all(ids.map(id => page.locator(`#${id}`).textContent()));
    expect(texts.join(' ')).toContain(message);
  }

  // What was typed and chosen is still there.
  await expect(page.getByLabel(/^E-post/)).toHaveValue('ikke en adresse');
  await expect(page.getByRole('radio', { name: 'Administrator' })).toBeChecked();

  // The summary's links take the focus to the field.
  await summary.getByRole('link', { name: 'Skriv inn fullt navn.' }).click();
  await expect(page.getByLabel(/^Fullt navn/)).toBeFocused();
  await summary.getByRole('link', { name: /gyldig e-postadresse/ }).click();
  await expect(page.getByLabel(/^E-post/)).toBeFocused();
});

test('a kept value survives a second failed attempt too', async ({ page }) => {
  await login(page, users.admin);
  await page.goto('/admin/users/new');
  await page.getByLabel(/^Fullt navn/).fill('Åse Ødegård-Ærlig');
  await page.getByRole('button', { name: 'Opprett bruker' }).click();
  await page.getByRole('button', { name: 'Opprett bruker' }).click();
  await expect(page.getByLabel(/^Fullt navn/)).toHaveValue('Åse Ødegård-Ærlig');
});
