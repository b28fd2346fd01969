// Issue 5 in a real browser: a case with two children, a mapping for each
// person, a revision, and two versions side by side; and a child's mapping
// completed by keyboard alone without JavaScript.
const { test, expect } = require('@playwright/test');
const { users, login, axeViolations, tabTo, keyboardLogin } = require('./helpers');

async function createCase(page, resident) {
  await page.getByRole('link', { name: 'Ny sak' }).first().click();
  await page.getByLabel(/^Fullt navn/).fill(resident);
  await page.getByLabel(/^Fødselsdato/).fill('14.03.1988');
  await page.getByRole('button', { name: 'Opprett saken' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(resident);
}

async function addChild(page, name, birth) {
  await page.getByLabel(/^Barnets navn/).fill(name);
  await page.getByLabel(/^Fødselsdato/).fill(birth);
  await page.getByLabel(/^Barnehage eller skole/).fill('Eksempel skole');
  await page.getByRole('button', { name: 'Legg til barnet' }).click();
  await expect(page.getByText('Barnet er lagt til.')).toBeVisible();
}

/** Fills what completing needs, and one fear; returns to the overview. */
async function completeMapping(page, { child, fear }) {
  await page.getByRole('button', { name: /Start kartlegging|Endre kartleggingen/ }).click();
  expect(await axeViolations(page), 'the mapping form').toEqual([]);
  await page.getByRole('checkbox', { name: child ? 'Barnet selv' : 'Beboeren selv' }).check();
  await page.getByLabel('Hva fryktes?').first().fill(fear);
  const risks = ['Risiko for at utøver tar kontakt', 'Risiko for ny vold'];
  if (child) risks.push('Risiko for at barnet blir bortført');
  for (const risk of risks) {
    await page.getByRole('group', { name: risk }).getByRole('radio', { name: 'Vet ikke' }).check();
  }
  await page.getByRole('radio', { name: 'Moderat' }).check();
  await page.getByRole('radio', { name: 'Nei', exact: true }).last().check();
  await page.getByRole('button', { name: /^Fullfør versjon/ }).click();
  await expect(page.getByText('Kartleggingen er fullført')).toBeVisible();
}

test('a case with two children gets three separate mappings, one revised and compared', async ({ page }) => {
  await login(page, users.staff);
  await createCase(page, 'Nina Flytester');
  await addChild(page, 'Ola Flytester', '01.02.2015');
  await addChild(page, 'Mia Flytester', '01.09.2019');
  const casePage = page.url();

  for (const [name, child, fear] of [
    ['Nina Flytester', false, 'At han finner oss.'],
    ['Ola Flytester', true, 'At pappa kommer til skolen.'],
    ['Mia Flytester', true, 'At noen tar meg fra barnehagen.'],
  ]) {
    await page.goto(casePage);
    await page.getByRole('link', { name: `Kartlegging for ${name}` }).click();
    await completeMapping(page, { child, fear });
    await expect(page.getByText(fear)).toBeVisible();
  }
  await page.goto(casePage);
  await expect(page.getByRole('cell', { name: 'Versjon 1' })).toHaveCount(3);

  // Ola's fear grows: version 2.
  await page.getByRole('link', { name: 'Kartlegging for Ola Flytester' }).click();
  await page.getByRole('button', { name: 'Endre kartleggingen (ny versjon)' }).click();
  await page.getByLabel('Hva fryktes?').first().fill('At pappa kommer til skolen og tar meg med.');
  await page.getByRole('button', { name: 'Fullfør versjon 2' }).click();
  await expect(page.getByText('Gjeldende kartlegging: versjon 2')).toBeVisible();

  await page.getByRole('link', { name: 'Sammenlign med versjon 1' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText('versjon 1 og 2');
  const changed = page.locator('tr.changed');
  await expect(changed).toHaveCount(1);
  await expect(changed).toContainText('At pappa kommer til skolen.');
  await expect(changed).toContainText('og tar meg med.');
  await expect(changed).toContainText('Endret');
  expect(await axeViolations(page)).toEqual([]);
});

/** Presses a key that leads to another page, and waits for it. */
async function pressToNavigate(page, key) {
  await Promise.all([page.waitForEvent('load'), page.keyboard.press(key)]);
}

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test("a staff member completes a child's mapping by keyboard alone", async ({ page }) => {
    await keyboardLogin(page, users.keyboard_nojs_mapping);
    await tabTo(page, page.getByRole('link', { name: 'Ny sak' }).first());
    await pressToNavigate(page, 'Enter');
    await tabTo(page, page.getByLabel(/^Fullt navn/));
    await page.keyboard.type('Tora Tastesen');
    await tabTo(page, page.getByLabel(/^Fødselsdato/));
    await page.keyboard.type('02.02.1990');
    await tabTo(page, page.getByRole('button', { name: 'Opprett saken' }));
    await pressToNavigate(page, 'Enter');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Tora Tastesen');

    await tabTo(page, page.getByLabel(/^Barnets navn/));
    await page.keyboard.type('Tim Tastesen');
    await tabTo(page, page.getByLabel(/^Fødselsdato/));
    await page.keyboard.type('03.03.2016');
    await tabTo(page, page.getByRole('button', { name: 'Legg til barnet' }));
    await pressToNavigate(page, 'Enter');
    await expect(page.getByText('Barnet er lagt til.')).toBeVisible();

    await tabTo(page, page.getByRole('link', { name: 'Kartlegging for Tim Tastesen' }));
    await pressToNavigate(page, 'Enter');
    await tabTo(page, page.getByRole('button', { name: 'Start kartlegging' }));
    await pressToNavigate(page, 'Enter');

    await tabTo(page, page.getByRole('checkbox', { name: 'Barnet selv' }));
    await page.keyboard.press('Space');
    await tabTo(page, page.getByLabel('Hva fryktes?').first());
    await page.keyboard.type('At pappa venter utenfor skolen.');
    for (const risk of ['Risiko for at utøver tar kontakt', 'Risiko for ny vold', 'Risiko for at barnet blir bortført']) {
      await tabTo(page, page.getByRole('group', { name: risk }).getByRole('radio', { name: 'Ja' }));
      await page.keyboard.press('Space');
    }
    await tabTo(page, page.getByRole('radio', { name: 'Lav' }));
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await expect(page.getByRole('radio', { name: 'Høy' })).toBeChecked();
    await tabTo(page, page.getByRole('radio', { name: 'Ja, flytting må vurderes' }));
    await page.keyboard.press('Space');
    await tabTo(page, page.getByRole('button', { name: 'Fullfør versjon 1' }));
    await pressToNavigate(page, 'Enter');
    await expect(page.getByText('Kartleggingen er fullført')).toBeVisible();
    await expect(page.getByText('At pappa venter utenfor skolen.')).toBeVisible();
    await expect(page.getByText('Ja, flytting må vurderes')).toBeVisible();
  });
});
