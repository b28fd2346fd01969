// Issue 13 in a real browser (§ 4 c, R1–R9): centre A opens a relocation from
// a mapping, justifies it, assesses two candidates, records both police
// contacts, the child's part, the digital checklist and the resident's
// consent to share the child's mapping only, and records the move; centre B
// sees exactly that mapping and starts a case from it; A sees that B opened
// it. Without consent, B sees nothing and A prints the police summary.
const { test, expect } = require('@playwright/test');
const { users, login, axeViolations } = require('./helpers');

const today = new Date().toLocaleDateString('nb-NO', {
  timeZone: 'Europe/Oslo', day: '2-digit', month: '2-digit', year: 'numeric',
});

async function newCase(page, resident, child) {
  await page.goto('/cases/new');
  await page.getByLabel(/^Fullt navn/).fill(resident);
  await page.getByLabel(/^Fødselsdato/).fill('14.03.1988');
  await page.getByRole('button', { name: 'Opprett saken' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(resident);
  if (child) {
    await page.getByLabel(/^Barnets navn/).fill(child);
    await page.getByLabel(/^Fødselsdato/).fill('01.02.2016');
    await page.getByRole('button', { name: 'Legg til barnet' }).click();
    await expect(page.getByText('Barnet er lagt til.')).toBeVisible();
  }
  return page.url().split('?')[0];
}

/** A second signed-out browser, for centre B. */
async function destinationPage(browser) {
  const context = await browser.newContext({ baseURL: process.env.TRYGG_TEST_URL, locale: 'nb-NO', timezoneId: 'Europe/Oslo' });
  return context.newPage();
}

/** Completes the mapping of `name`; `relocate` answers § 4 c. */
async function completeMapping(page, casePage, name, { child, relocate }) {
  await page.goto(casePage);
  await page.getByRole('link', { name: `Kartlegging for ${name}` }).click();
  await page.getByRole('button', { name: 'Start kartlegging' }).click();
  await page.getByRole('group', { name: 'Andre kilder (uten samtale)' }).getByRole('checkbox', { name: child ? 'Barnet selv' : 'Beboeren selv' }).check();
  await page.getByLabel('Hva fryktes?').first().fill('At han finner oss.');
  const risks = ['Risiko for at voldsutøveren tar kontakt', 'Risiko for ny vold'];
  if (child) risks.push('Risiko for at barnet blir bortført');
  for (const risk of risks) {
    await page.getByRole('group', { name: risk }).getByRole('radio', { name: 'Ja' }).check();
  }
  await page.getByRole('radio', { name: 'Svært høy' }).check();
  await page.getByRole('radio', { name: relocate ? 'Ja, flytting må vurderes' : 'Nei' , exact: true }).last().check();
  await page.getByRole('button', { name: 'Fullfør versjon 1' }).click();
  await expect(page.getByText('Kartleggingen er fullført')).toBeVisible();
}

/** Justifies, assesses Eksempelsenteret 1 and one centre outside Trygg, and decides for the first. */
async function decide(page) {
  await page.getByRole('radio', { name: 'Takker ja' }).check();
  const origin = page.getByRole('group', { name: 'Politiet der krisesenteret ligger' });
  await origin.getByLabel('Dato for kontakten').fill(today);
  await origin.getByLabel('Politidistrikt').fill('Oslo politidistrikt');
  await origin.getByLabel('Hvem (navn, rolle)').fill('Politibetjent Hansen');
  await origin.getByLabel('Hva er avtalt').fill('Vurderer stedet sammen med oss.');
  await page.getByLabel(/^Er flytting nødvendig/).fill('Utøveren har funnet senteret.');
  await page.getByLabel(/^Er flytting hensiktsmessig/).fill('Beboeren har familie der; barnet får skoleplass.');
  const first = page.getByRole('group', { name: 'Krisesenter 1' });
  await first.getByLabel('Krisesenter', { exact: true }).selectOption({ label: 'Eksempelsenteret 1 (Bergen, Vest politidistrikt)' });
  await first.getByRole('checkbox', { name: 'Avstand til voldsutøverens nettverk' }).check();
  await first.getByLabel('Hva taler for').fill('Langt fra nettverket hans.');
  await first.getByRole('radio', { name: 'Beboeren skal flytte hit' }).check();
  await page.getByRole('button', { name: 'Lagre', exact: true }).click();
  await expect(page.getByText('Relokaliseringen er lagret.')).toBeVisible();
  const second = page.getByRole('group', { name: 'Krisesenter 2' });
  await second.getByLabel('Krisesenter', { exact: true }).selectOption('external');
  await second.getByLabel('Navn på senteret utenfor Trygg').fill('Krisesenteret i Nordby');
  await second.getByLabel('Hva taler mot').fill('Utøverens bror bor der.');
  expect(await axeViolations(page), 'the relocation form').toEqual([]);
  await page.getByRole('button', { name: 'Beslutt flytting' }).click();
  await expect(page.getByText('Flyttingen er besluttet.')).toBeVisible();
}

/** Police at both ends and the digital checklist: what every move needs. */
async function prepareMove(page) {
  const destination = page.getByRole('group', { name: /^Lokalt politi der det nye senteret ligger/ });
  await destination.getByLabel('Dato for kontakten').fill(today);
  await destination.getByLabel('Politidistrikt').fill('Vest politidistrikt');
  await destination.getByLabel('Hvem (navn, rolle)').fill('Familievoldskoordinator Berg');
  await destination.getByLabel(/^Hva er avtalt med politiet der/).fill('Tar imot og vurderer voldsalarm.');
  await page.getByLabel('Hvem informerte beboeren').fill(users.staff.name);
  await page.locator('#consent_informed_on').fill(today);
  await page.getByRole('checkbox', { name: /^Beboeren vet hva som deles/ }).check();
  const digital = page.getByRole('group', { name: /^Gått gjennom sammen med beboeren/ });
  for (const box of await digital.getByRole('checkbox').all()) await box.check();
  await page.getByLabel('Dato for gjennomgangen').fill(today);
}

test('a relocation with consent to share the child\'s mapping: B sees exactly that, starts a case, and A sees it was opened', async ({ page, browser }) => {
  await login(page, users.staff);
  const casePage = await newCase(page, 'Rita Relokalisert', 'Nils Relokalisert');
  await completeMapping(page, casePage, 'Nils Relokalisert', { child: true, relocate: false });
  await completeMapping(page, casePage, 'Rita Relokalisert', { child: false, relocate: true });

  // R1: the mapping that calls for it offers the relocation.
  await page.getByRole('button', { name: 'Start relokalisering' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Relokalisering av Rita Relokalisert');
  // R3: not without both justifications.
  await page.getByRole('button', { name: 'Beslutt flytting' }).click();
  await expect(page.getByText('Skjemaet har feil')).toBeVisible();
  expect(await axeViolations(page), 'the form with errors').toEqual([]);
  await decide(page);
  const relocation = page.url().split('?')[0];

  // R4, R9: not without the police at both ends and the checklist.
  await page.getByRole('button', { name: 'Registrer flyttingen' }).click();
  await expect(page.getByText('Registrer kontakten med lokalt politi der det nye senteret ligger').first()).toBeVisible();
  await prepareMove(page);
  await page.getByRole('radio', { name: 'Samtykker til deling' }).check();
  await page.getByRole('checkbox', { name: 'Kartleggingen av Nils Relokalisert, versjon 1' }).check();
  const child = page.getByRole('group', { name: /^Nils Relokalisert/ });
  await child.getByRole('checkbox', { name: /^Barnet har fått si sin mening/ }).check();
  await child.getByLabel(/^Hva sa barnet\?/).fill('Vil ha med sykkelen.');
  await child.getByLabel(/^Hva flyttingen betyr for skole/).fill('Ny skole; rektor er kontaktet.');
  await page.getByRole('button', { name: 'Registrer flyttingen' }).click();
  await expect(page.getByText('Flyttingen er registrert.')).toBeVisible();
  await expect(page.locator('#shared-opened')).toContainText('Ikke åpnet');
  expect(await axeViolations(page), 'the moved relocation').toEqual([]);

  // At B: exactly the child's mapping, version 1.
  const b = await destinationPage(browser);
  await login(b, users.destination);
  await b.getByRole('link', { name: 'Delt med oss' }).click();
  await b.getByRole('link', { name: 'Rita Relokalisert og 1 barn' }).click();
  await expect(b.getByRole('heading', { name: /^Kartlegging, versjon 1 hos Krisesenteret i Testby/ })).toHaveCount(1);
  await expect(b.getByText(/Sikkerhetsplan, versjon/)).toHaveCount(0);
  await expect(b.getByText('Vil ha med sykkelen.')).toHaveCount(0);
  expect(await axeViolations(b), 'the shared page').toEqual([]);
  await b.getByRole('button', { name: 'Opprett sak fra dette' }).click();
  await expect(b.getByText('Saken er opprettet.')).toBeVisible();
  await b.getByRole('link', { name: 'Kartlegging for Nils Relokalisert' }).click();
  await expect(b.getByText('Mottatt fra Krisesenteret i Testby')).toBeVisible();

  // A sees that, and when, B opened it.
  await page.goto(relocation);
  await expect(page.locator('#shared-opened')).toContainText('Åpnet av det nye senteret');
});

test('without consent nothing reaches B, and A prints the police summary', async ({ page, browser }) => {
  await login(page, users.staff);
  const casePage = await newCase(page, 'Vera Varsom');
  await completeMapping(page, casePage, 'Vera Varsom', { child: false, relocate: true });
  await page.getByRole('button', { name: 'Start relokalisering' }).click();
  await decide(page);
  await prepareMove(page);
  await page.getByRole('radio', { name: 'Samtykker ikke' }).check();
  const request = page.getByRole('group', { name: /^Uten samtykke/ });
  await request.getByLabel('Dato').fill(today);
  await request.getByLabel(/^Hvem i politiet ble spurt/).fill('Politibetjent Hansen');
  await request.getByLabel('Hva ble politiet bedt om').fill('Informer Vest politidistrikt om trusselen.');
  await page.getByRole('button', { name: 'Registrer flyttingen' }).click();
  await expect(page.getByText('Flyttingen er registrert.')).toBeVisible();

  const b = await destinationPage(browser);
  await login(b, users.destination);
  await b.goto('/shared');
  await expect(b.getByText('Vera Varsom')).toHaveCount(0);

  await page.getByRole('link', { name: 'Oppsummering til politiet' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Relokalisering: oppsummering til politiet');
  await expect(page.getByText('Informer Vest politidistrikt om trusselen.')).toBeVisible();
  await expect(page.getByText('Svært høy', { exact: true })).toBeVisible();
  expect(await axeViolations(page), 'the police summary').toEqual([]);
});
