// Logging in, changing one's password and an admin creating an account, with
// the keyboard alone and a visible focus at every step; then again with
// JavaScript turned off.
const { test, expect } = require('@playwright/test');
const { users, tabTo, expectFocusVisible, keyboardLogin } = require('./helpers');

async function keyboardChangePassword(page, user) {
  await tabTo(page, page.getByRole('link', { name: 'Bytt passord' }).first());
  await page.keyboard.press('Enter');
  await page.waitForURL('**/account/password');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Bytt passord');
  const fresh = `${user.password} og litt til`;
  await tabTo(page, page.getByLabel(/^Nåværende passord/));
  await page.keyboard.type(user.password);
  await tabTo(page, page.getByLabel(/^Nytt passord/));
  await page.keyboard.type(fresh);
  await tabTo(page, page.getByLabel(/^Gjenta nytt passord/));
  await page.keyboard.type(fresh);
  await tabTo(page, page.getByRole('button', { name: 'Lagre nytt passord' }));
  await page.keyboard.press('Space');
  await expect(page.getByText('Passordet ditt er endret.')).toBeVisible();
}

async function keyboardCreateAccount(page, email) {
  await tabTo(page, page.getByRole('link', { name: 'Brukere', exact: true }));
  await page.keyboard.press('Enter');
  await page.waitForURL('**/admin/users');
  await tabTo(page, page.getByRole('link', { name: 'Ny bruker' }));
  await page.keyboard.press('Enter');
  await page.waitForURL('**/admin/users/new');
  await tabTo(page, page.getByLabel(/^Fullt navn/));
  await page.keyboard.type('Tastatur Testesen');
  await tabTo(page, page.getByLabel(/^E-post/));
  await page.keyboard.type(email);
  await tabTo(page, page.getByRole('radio', { name: 'Ansatt' }));
  await page.keyboard.press('ArrowDown');
  await expect(page.getByRole('radio', { name: 'Koordinator' })).toBeChecked();
  await expectFocusVisible(page);
  await tabTo(page, page.getByRole('button', { name: 'Opprett bruker' }));
  await page.keyboard.press('Space');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Brukeren er opprettet');
  await expect(page.locator('#temporary-password code')).toHaveText(/^[a-z2-9]{4}(-[a-z2-9]{4}){3}$/);
}

for (const js of [true, false]) {
  test.describe(js ? 'with JavaScript' : 'without JavaScript', () => {
    test.use({ javaScriptEnabled: js });
    const suffix = js ? 'js' : 'nojs';

    test('a staff member logs in and changes password by keyboard alone', async ({ page }) => {
      const user = users[`keyboard_${suffix}`];
      // The first login enrols the authenticator app by keyboard.
      await keyboardLogin(page, user, { axe: js });
      await keyboardChangePassword(page, user);
      // And the next one signs in with its code.
      await page.getByRole('button', { name: 'Logg ut' }).click();
      await keyboardLogin(page, { ...user, password: `${user.password} og litt til` }, { axe: js });
    });

    test('an administrator creates an account by keyboard alone', async ({ page }) => {
      await keyboardLogin(page, users.admin, { axe: js });
      await keyboardCreateAccount(page, `tastatur.${suffix}.${Date.now()}@test.example`);
    });
  });
}
