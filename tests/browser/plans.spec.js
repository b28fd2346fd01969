// Issue 6 in a real browser: a child's safety plan made from the mapping,
// with every party's part; the flags come and go as the measures change; a
// coordinator returns it, staff revise, the coordinator approves; the plan,
// the school extract and the child's own part print as they should.
const { test, expect } = require('@playwright/test');
const { users, login, axeViolations, printedPages } = require('./helpers');

/** The date `days` from today, as the forms want it. */
function inDays(days) {
  const d = new Date(Date.now() + days * 86_400_000);
  return d.toLocaleDateString('nb-NO', { day: '2-digit', month: '2-digit', year: 'numeric', timeZone: 'Europe/Oslo' });
}

/** Fills the measure in fieldset `n` (counted from 0 among the rows shown). */
async function fillMeasure(page, n, { text, party, answers = [], restricts = false, until = '' }) {
  const row = page.locator('.plan-form fieldset.item').nth(n);
  await row.getByLabel('Hva skal gjøres?').fill(text);
  await row.getByRole('radio', { name: party, exact: true }).check();
  for (const answer of answers) {
    await row.getByRole('checkbox', { name: answer }).check();
  }
  if (restricts) await row.getByRole('checkbox', { name: /begrenser barnets hverdag/ }).check();
  if (until) await row.getByLabel('Til og med', { exact: true }).fill(until);
}

async function save(page) {
  await page.getByRole('button', { name: 'Lagre utkast' }).click();
  await expect(page.getByText('Utkastet til sikkerhetsplan er lagret.')).toBeVisible();
}

const flag = (page, name) => page.locator(`.plan-flag[data-flag="${name}"]`);

test("a child's plan is made, returned, revised, approved and printed", async ({ page, browser }) => {
  await login(page, users.staff);
  await page.getByRole('link', { name: 'Ny sak' }).first().click();
  await page.getByLabel(/^Fullt navn/).fill('Hanne Plansen');
  await page.getByLabel(/^Fødselsdato/).fill('14.03.1988');
  await page.getByRole('button', { name: 'Opprett saken' }).click();
  await page.getByLabel(/^Barnets navn/).fill('Ola Plansen');
  await page.getByLabel(/^Fødselsdato/).fill('01.02.2016');
  await page.getByRole('button', { name: 'Legg til barnet' }).click();
  const casePage = page.url();

  // The mapping first: the plan builds on it (P1, M7).
  await page.getByRole('link', { name: 'Sikkerhetsplan for Ola Plansen' }).click();
  await expect(page.getByText('Fullfør kartleggingen av Ola Plansen')).toBeVisible();
  await page.getByRole('link', { name: 'Fullfør kartleggingen av Ola Plansen' }).click();
  await page.getByRole('button', { name: 'Start kartlegging' }).click();
  await page.getByRole('group', { name: 'Andre kilder (uten samtale)' }).getByRole('checkbox', { name: 'Barnet selv' }).check();
  await page.getByLabel('Hva fryktes?').first().fill('At pappa står utenfor skolen.');
  await page.getByRole('group', { name: 'Risiko for at voldsutøveren tar kontakt' }).getByRole('radio', { name: 'Ja' }).check();
  await page.getByRole('group', { name: 'Risiko for ny vold' }).getByRole('radio', { name: 'Nei' }).check();
  await page.getByRole('group', { name: 'Risiko for at barnet blir bortført' }).getByRole('radio', { name: 'Nei' }).check();
  await page.getByRole('radio', { name: 'Moderat' }).check();
  await page.getByRole('radio', { name: 'Nei', exact: true }).last().check();
  await page.getByRole('button', { name: 'Fullfør versjon 1' }).click();
  await expect(page.getByText('Kartleggingen er fullført')).toBeVisible();

  await page.goto(casePage);
  await page.getByRole('link', { name: 'Sikkerhetsplan for Ola Plansen' }).click();
  await page.getByRole('button', { name: 'Lag sikkerhetsplan' }).click();
  await expect(page.getByText('Bygger på kartlegging versjon 1.')).toBeVisible();
  expect(await axeViolations(page), 'the plan form').toEqual([]);

  const fear = 'Barnet frykter: At pappa står utenfor skolen.';
  const threat = 'Trussel: Risiko for at voldsutøveren tar kontakt';
  // Two measures on the child, one on the parent, one answering nothing.
  await fillMeasure(page, 0, { text: 'Går aldri alene til skolen.', party: 'Barnet', answers: [threat], restricts: true, until: inDays(30) });
  await fillMeasure(page, 1, { text: 'Sier fra til en voksen hvis pappa dukker opp.', party: 'Barnet', answers: [fear] });
  await fillMeasure(page, 2, { text: 'Følger Ola til og fra skolen.', party: 'Forelderen' });
  // The warnings come while the plan is written, before it is saved (P6, P7)…
  await expect(flag(page, 'unlinked')).toContainText('Følger Ola til og fra skolen.');
  await expect(flag(page, 'child-burden')).toContainText('Barnet har ansvar for 2 tiltak, de voksne for 1.');
  await save(page);
  // …and stay with it when it is.
  await expect(flag(page, 'unlinked')).toContainText('Følger Ola til og fra skolen.');
  await expect(flag(page, 'child-burden')).toContainText('Barnet har ansvar for 2 tiltak, de voksne for 1.');
  await expect(page.locator('fieldset.item--flagged')).toHaveCount(1);

  // The parent's measure answers the threat; the centre, the school and the
  // police get their parts: both flags go, the police one comes.
  const parentRow = page.locator('.plan-form fieldset.item').nth(2);
  await parentRow.getByRole('checkbox', { name: threat }).check();
  await fillMeasure(page, 3, { text: 'Kontaktpersonen snakker med Ola hver uke.', party: 'Krisesenteret', answers: [fear] });
  await fillMeasure(page, 4, { text: 'Fast voksen ved porten i friminuttene.', party: 'Barnehagen eller skolen', answers: [threat] });
  await fillMeasure(page, 5, { text: 'Vurderer besøksforbud.', party: 'Politiet', answers: [threat] });
  await expect(flag(page, 'unlinked')).toHaveCount(0);
  await expect(flag(page, 'child-burden')).toHaveCount(0);
  await expect(flag(page, 'police')).toContainText('Planen har tiltak som politiet har ansvar for.');
  await save(page);
  await expect(flag(page, 'unlinked')).toHaveCount(0);
  await expect(flag(page, 'child-burden')).toHaveCount(0);
  await expect(flag(page, 'police')).toContainText('Planen har tiltak som politiet har ansvar for.');

  await page.getByLabel('Dato for kontakt med politiet').fill(inDays(-1));
  await page.getByLabel('Politidistrikt').fill('Øst politidistrikt');
  await page.getByLabel('Hvem dere snakket med (navn, rolle)').fill('Familievoldskoordinator');
  await page.getByLabel('Hva ble avtalt?').fill('Politiet vurderer besøksforbud innen en uke.');
  await page.getByRole('radio', { name: 'Ja, når tiltakene under er på plass' }).check();
  await page.getByLabel('Hva gjør de ansatte konkret hvis voldsutøveren oppsøker barnet?').fill('Tar Ola inn og ringer politiet.');
  await page.getByLabel('Hvilke steder på skolen er tryggest for barnet?').fill('Biblioteket.');
  await page.getByLabel(/^Hva betyr den skjermede adressen/).fill('Vi forteller ikke hvor vi bor.');
  await page.getByLabel(/^Hva kan jeg gjøre\? \(på skoleveien/).fill('Gå sammen med mamma. Leke med vennene mine i friminuttet.');
  await page.getByLabel(/^Hva gjør jeg hvis noe skremmende skjer\?/).fill('Gå inn til en lærer med en gang.');
  await page.getByLabel(/^Hva sier jeg hvis noen spør hvor jeg bor\?/).fill('Si at jeg bor hos familie.');
  await save(page);
  await expect(page.locator('.plan-flags')).toHaveCount(0);
  await page.getByRole('button', { name: 'Send til godkjenning' }).click();
  await expect(page.getByText('Sikkerhetsplanen er sendt til godkjenning.')).toBeVisible();
  const planPage = page.url().split('?')[0];

  // The coordinator returns it with a comment (U2).
  const context = await browser.newContext({ baseURL: process.env.TRYGG_TEST_URL, locale: 'nb-NO', timezoneId: 'Europe/Oslo' });
  const coordinator = await context.newPage();
  await login(coordinator, users.coordinator);
  await coordinator.getByRole('link', { name: 'Til godkjenning', exact: true }).click();
  await coordinator.getByRole('link', { name: 'Ola Plansen' }).click();
  await expect(coordinator.getByText('Dette er den første versjonen av planen')).toBeVisible();
  expect(await axeViolations(coordinator), 'the review page').toEqual([]);
  await coordinator.getByRole('button', { name: 'Returner planen' }).click();
  await expect(coordinator.locator('#comment-error')).toBeVisible();
  await coordinator.getByLabel(/^Hva må endres\?/).fill('La skolen ha ansvaret for friminuttene, ikke Ola.');
  await coordinator.getByRole('button', { name: 'Returner planen' }).click();
  await expect(coordinator.getByText('Sikkerhetsplanen er returnert')).toBeVisible();

  // Staff revise and send it again.
  await page.goto(planPage);
  await page.getByRole('link', { name: 'Fortsett på planen' }).click();
  await expect(page.getByText('La skolen ha ansvaret for friminuttene, ikke Ola.')).toBeVisible();
  const first = page.locator('.plan-form fieldset.item').nth(0);
  await first.getByLabel('Hva skal gjøres?').fill('Går sammen med mamma til skolen.');
  await first.getByRole('checkbox', { name: /begrenser barnets hverdag/ }).uncheck();
  await page.getByRole('button', { name: 'Send til godkjenning' }).click();
  await expect(page.getByText('Sikkerhetsplanen er sendt til godkjenning.')).toBeVisible();

  // The coordinator approves, four weeks on by default.
  await coordinator.goto('/reviews');
  await coordinator.getByRole('link', { name: 'Ola Plansen' }).click();
  await expect(coordinator.getByLabel(/^Neste revisjon/)).toHaveValue(inDays(28));
  await coordinator.getByRole('button', { name: 'Godkjenn planen' }).click();
  await expect(coordinator.getByText('Sikkerhetsplanen er godkjent.')).toBeVisible();
  await context.close();

  await page.goto(planPage);
  await expect(page.getByText('Gjeldende plan: versjon 1')).toBeVisible();

  // The whole plan: each party's part on a page of its own.
  await page.getByRole('link', { name: 'Hele planen, for utskrift' }).click();
  const whole = await printedPages(page);
  expect(whole.length).toBeGreaterThanOrEqual(6);
  expect(whole.join(' ')).toContain('Fast voksen ved porten i friminuttene.');
  expect(whole.join(' ')).not.toContain('Logg ut');
  const forelder = whole.findIndex(p => p.includes('Følger Ola til og fra skolen.'));
  const senter = whole.findIndex(p => p.includes('Kontaktpersonen snakker med Ola hver uke.'));
  expect(forelder).toBeGreaterThanOrEqual(0);
  expect(senter).toBeGreaterThan(forelder);

  // The school extract: only what the school needs.
  await page.getByRole('link', { name: 'Utdrag til barnehagen eller skolen' }).click();
  const school = (await printedPages(page)).join(' ');
  expect(school).toContain('Tar Ola inn og ringer politiet.');
  expect(school).toContain('Fast voksen ved porten i friminuttene.');
  // Issue 18: the school's duty and the sheet's confidentiality; never the centre.
  expect(school).toContain('barneloven § 47');
  expect(school).toContain('Makuler det når barnet slutter');
  expect(school.toLowerCase()).not.toContain('krisesenter');
  for (const secret of ['At pappa står utenfor skolen', 'Vi forteller ikke hvor vi bor', 'Øst politidistrikt', 'Hanne Plansen', 'Følger Ola til og fra skolen']) {
    expect(school).not.toContain(secret);
  }

  // The child's own part: one A4 page, for Ola.
  await page.goBack();
  await page.getByRole('link', { name: 'Barnets egen del' }).click();
  expect(await axeViolations(page), "the child's part").toEqual([]);
  const child = await printedPages(page);
  expect(child).toHaveLength(1);
  expect(child[0]).toContain('Min trygghetsplan');
  expect(child[0]).toContain('116 111');
  expect(child[0].toLowerCase()).not.toContain('krisesenter');
  expect(child[0]).toContain('Gå inn til en lærer med en gang.');
  expect(child[0]).toContain('Si at jeg bor hos familie.');
  for (const secret of ['Plansen', 'pappa står', 'politidistrikt', 'Testby']) {
    expect(child[0]).not.toContain(secret);
  }

  // Still one page with every answer as long as allowed (250 characters).
  await page.goto(planPage);
  await page.getByRole('button', { name: 'Endre planen (ny versjon)' }).click();
  const longest = 'Jeg går sammen med en voksen, og sier fra. '.repeat(6).slice(0, 250);
  for (const question of [/^Hva kan jeg gjøre\? \(på skoleveien/, /^Hva bør jeg unngå å gjøre\?/,
    /^Hva gjør jeg hvis noe skremmende skjer\?/, /^Hva sier jeg hvis noen spør hvor jeg bor\?/, /^Hva kan jeg gjøre og ikke gjøre på nett\?/,
    /^Mine trygge voksne/]) {
    await page.getByLabel(question).fill(longest);
  }
  await save(page);
  await page.goto(`${planPage}/versions/2/child`);
  const full = await printedPages(page);
  expect(full).toHaveLength(1);
  expect(full[0].split('Jeg går sammen med en voksen').length - 1).toBeGreaterThanOrEqual(30);
  expect(full[0]).toContain('UTKAST');
});
