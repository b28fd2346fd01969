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
  await page.getByLabel('Dato', { exact: true }).fill('20.11.2026');
  await page
    .getByRole('group', { name: 'Hvem var til stede, i tillegg til oss?' })
    .getByRole('checkbox', { name: child ? 'Barnet selv' : 'Beboeren selv' })
    .check();
  await page.getByLabel('Hva fryktes?').first().fill(fear);
  const risks = ['Risiko for at voldsutøveren tar kontakt', 'Risiko for ny vold'];
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

    // M2: a conversation with the child alone, through a qualified interpreter.
    await tabTo(page, page.getByLabel('Dato', { exact: true }));
    await page.keyboard.type('20.11.2026');
    const present = page.getByRole('group', { name: 'Hvem var til stede, i tillegg til oss?' });
    await tabTo(page, present.getByRole('checkbox', { name: 'Barnet selv' }));
    await page.keyboard.press('Space');
    await tabTo(page, page.getByLabel('Tolk', { exact: true }));
    await page.keyboard.press('ArrowDown');
    await expect(page.getByLabel('Tolk', { exact: true })).toHaveValue('remote');
    await tabTo(page, page.getByLabel('Språk (og dialekt)'));
    await page.keyboard.type('somali');
    await tabTo(page, page.getByRole('checkbox', { name: 'Sjekket at tolken ikke kjenner familien eller miljøet deres' }));
    await page.keyboard.press('Space');
    await tabTo(page, page.getByLabel('Det barnet sa, med barnets egne ord'));
    await page.keyboard.type('Jeg gjemmer meg på rommet.');
    await tabTo(page, page.getByLabel('Hva barnet pleier å gjøre for å føle seg trygg'));
    await page.keyboard.type('Ringer mormor.');
    await tabTo(page, page.getByLabel('Hva fryktes?').first());
    await page.keyboard.type('At pappa venter utenfor skolen.');
    for (const risk of ['Risiko for at voldsutøveren tar kontakt', 'Risiko for ny vold', 'Risiko for at barnet blir bortført']) {
      await tabTo(page, page.getByRole('group', { name: risk }).getByRole('radio', { name: 'Ja' }));
      await page.keyboard.press('Space');
    }
    // M6: the digital checklist.
    const sharing = page.getByRole('group', { name: /^Posisjonsdeling/ });
    await tabTo(page, sharing.getByRole('radio', { name: 'Sjekket' }), { max: 60 });
    await page.keyboard.press('Space');
    await tabTo(page, sharing.getByLabel('Merknad'));
    await page.keyboard.type('Snap Map slått av.');
    // The legal situation: contact under supervision, a visiting ban.
    await tabTo(page, page.getByRole('radio', { name: 'Ikke samvær' }), { max: 60 });
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowDown');
    await expect(page.getByRole('radio', { name: 'Samvær med støttet eller beskyttet tilsyn' })).toBeChecked();
    await tabTo(page, page.getByLabel('Hva slags vedtak eller forbud?', { exact: true }));
    await page.keyboard.press('ArrowDown');
    await expect(page.getByLabel('Hva slags vedtak eller forbud?', { exact: true })).toHaveValue('visit_ban');
    await tabTo(page, page.getByLabel('Gjelder til og med'));
    await page.keyboard.type('01.05.2027');
    // A risk factor.
    const strangling = page.getByRole('group', { name: /^Kvelning/ });
    await tabTo(page, strangling.getByRole('radio', { name: 'Ja' }), { max: 60 });
    await page.keyboard.press('Space');
    await tabTo(page, page.getByRole('radio', { name: 'Lav' }), { max: 80 });
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await expect(page.getByRole('radio', { name: 'Høy', exact: true })).toBeChecked();
    await tabTo(page, page.getByRole('radio', { name: 'Ja, flytting må vurderes' }));
    await page.keyboard.press('Space');
    await tabTo(page, page.getByRole('button', { name: 'Fullfør versjon 1' }));
    await pressToNavigate(page, 'Enter');
    await expect(page.getByText('Kartleggingen er fullført')).toBeVisible();
    await expect(page.getByText('At pappa venter utenfor skolen.')).toBeVisible();
    await expect(page.getByText('Ja, flytting må vurderes')).toBeVisible();
    for (const shown of [
      'Til stede: Barnet alene',
      'Tolk: Kvalifisert tolk på telefon eller video (somali), ikke fra familiens nettverk',
      'Barnets egne ord: Jeg gjemmer meg på rommet.',
      'Sjekket. Snap Map slått av.',
      'Samvær med støttet eller beskyttet tilsyn',
      'Besøksforbud, til og med 01.05.2027',
      '1 av 20 risikofaktorer til stede, 19 ikke besvart',
    ]) {
      await expect(page.getByText(shown, { exact: false }).first()).toBeVisible();
    }
  });
});
