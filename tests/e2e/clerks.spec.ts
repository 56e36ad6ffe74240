import os from 'node:os';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { useDemoPractice } from '../support/demoPractice';
import { webApi } from '../support/webApi';
import { startWebApp } from '../support/webApp';
import { DEMO_PASSWORDS, signInOnPage } from '../support/signIn';
import { openWebApp } from '../support/webSession';

const demo = useDemoPractice(test, 40);
/** Screenshots to look at by eye, outside test-results (which every Playwright run empties). */
const shot = (name: string) => path.join(os.tmpdir(), `fpp-clerks-${name}.png`);

const wizardHeading = (page: Page, family: string) => page.getByRole('heading', { level: 1, name: `Portal PINs: ${family} family` });
const printOnly = (page: Page) => page.getByRole('checkbox', { name: /^Print-only/ });

test('Ctrl+L locks mid-wizard; the same clerk returns to it, another clerk starts afresh, and the first gets the wizard back', async ({ page }) => {
  const familyId = demo.scenarios['siblings-3'][0]!;
  const family = demo.familyName(familyId);
  await openWebApp(page, demo.web.url);
  await expect(page.getByLabel('Signed in')).toHaveText('Dana Reyes (demo clerk)');

  // Dana opens the family, goes to the plan and chooses print-only.
  await page
    .getByRole('option', { name: new RegExp(`^\\d\\d:\\d\\d ${family} family, 3 children`) })
    .first()
    .click();
  await page.getByRole('button', { name: 'Continue: plan 3 PINs' }).click();
  await printOnly(page).check();
  await expect(page.getByRole('button', { name: /^Issue 3 PINs/ })).toBeVisible();

  // Ctrl+L, even with the focus in a field: locked, and nothing of the family shows.
  await printOnly(page).focus();
  await page.keyboard.press('Control+l');
  await expect(page.getByRole('heading', { level: 1, name: 'Workstation locked' })).toBeVisible();
  await expect(page.getByText('Dana Reyes (demo clerk) locked this workstation.')).toBeVisible();
  await expect(wizardHeading(page, family)).toBeHidden();
  expect(await page.locator('body').innerText()).not.toContain(family);
  await expect(page.getByLabel('Username')).toHaveValue('demo');
  await expect(page.getByLabel('Password')).toBeFocused();
  // Main refuses the clerk's calls while locked, not only the screen; the lock is audited.
  await expect(webApi(demo.web.url)('family.load', { familyId })).rejects.toThrow('This workstation is locked.');
  expect(await demo.db.prepare(`SELECT count(*) FROM audit_log WHERE action = 'lock'`).pluck().get()).toBe(1);
  await page.screenshot({ path: shot('locked') });

  // A wrong password is refused with a message that says what to do.
  await page.getByLabel('Password').fill('not-the-password');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('alert')).toHaveText('That username and password do not match. Check the username and Caps Lock, then try again.');

  // Dana unlocks: the same wizard, same step, same choice.
  await page.getByLabel('Password').fill(DEMO_PASSWORDS.demo);
  await page.keyboard.press('Enter');
  await expect(wizardHeading(page, family)).toBeVisible();
  await expect(printOnly(page)).toBeChecked();
  await expect(page.locator('[aria-current="step"]')).toHaveText('2 Plan');

  // Dana locks with the button; Morgan (administrator) signs in at the locked station and starts at check-in.
  await page.getByRole('button', { name: /^Lock/ }).click();
  await signInOnPage(page, 'admin');
  await expect(page.getByRole('heading', { level: 1, name: 'Check-in today' })).toBeVisible();
  await expect(page.getByLabel('Signed in')).toHaveText('Morgan Ellis (demo administrator)');
  await expect(wizardHeading(page, family)).toHaveCount(0);
  await page.screenshot({ path: shot('admin-signed-in') });

  // Morgan locks; Dana signs back in and finds her wizard as she left it.
  await page.keyboard.press('Control+l');
  await signInOnPage(page, 'demo');
  await expect(wizardHeading(page, family)).toBeVisible();
  await expect(printOnly(page)).toBeChecked();
  await expect(page.getByLabel('Signed in')).toHaveText('Dana Reyes (demo clerk)');
  // And she can finish it: the PINs are issued under her name.
  await page.getByRole('button', { name: /^Issue 3 PINs/ }).click();
  await expect(page.getByRole('button', { name: /^Print packet/ })).toBeVisible();
  const issuers = demo.db
    .prepare(`SELECT DISTINCT issued_by FROM pins WHERE patient_id IN (SELECT id FROM patients WHERE family_id = ?)`)
    .pluck()
    .all(familyId);
  expect(issuers).toEqual(['clerk-demo']);
});

test('a clerk sees administrator-only entries disabled, and the sign-in screen offers the demo accounts', async ({ page }) => {
  await openWebApp(page, demo.web.url);
  await expect(page.getByLabel('Signed in')).toHaveText('Dana Reyes (demo clerk)');
  // Main locks the station behind the screen's back (as after inactivity): the next call the screen makes shows the lock.
  await webApi(demo.web.url)('auth.lock', {});
  await page.keyboard.press('/');
  await page.getByRole('searchbox', { name: 'Search patients' }).fill('a');
  await expect(page.getByRole('heading', { level: 1, name: 'Workstation locked' })).toBeVisible();
  await signInOnPage(page, 'demo');
  const bulk = page.getByRole('button', { name: 'Bulk PIN (administrator only)' });
  await expect(bulk).toBeDisabled();
  await page.getByRole('button', { name: 'Settings', exact: true }).click();
  await expect(page.getByText('Administrator only: you can read these settings')).toBeVisible();
  await expect(page.getByLabel('Practice name')).not.toBeEditable();
  await expect(page.getByRole('button', { name: 'Save', exact: true })).toBeDisabled();

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Sign in' })).toBeVisible();
  await expect(page.getByText(`password ${DEMO_PASSWORDS.admin}`)).toBeVisible();
  await page.getByRole('button', { name: 'Use Morgan Ellis (demo administrator)' }).click();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('button', { name: 'Bulk PIN', exact: true })).toBeEnabled();
  await page.getByRole('button', { name: 'Settings', exact: true }).click();
  await page.getByRole('button', { name: 'Clerk accounts…' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Clerk accounts' })).toBeVisible();
  await page.getByLabel('Name', { exact: true }).fill('Pat Kim');
  await page.getByLabel('Username', { exact: true }).fill('pat');
  await page.getByLabel('Password', { exact: true }).fill('pat-front-desk-1');
  await page.getByLabel('Password again').fill('pat-front-desk-1');
  await page.getByRole('button', { name: 'Add clerk' }).click();
  await expect(page.getByRole('region', { name: 'Clerk accounts' }).getByRole('status')).toHaveText('Pat Kim can now sign in as “pat”.');
  await expect(page.getByRole('rowheader', { name: 'Pat Kim' })).toBeVisible();
  await page.screenshot({ path: shot('accounts'), fullPage: true });
});

test('the first start of a real install creates the administrator, who lands signed in', async ({ page }) => {
  const fresh = await startWebApp({ args: ['--no-demo'] });
  try {
    await openWebApp(page, fresh.url);
    await expect(page.getByRole('heading', { level: 1, name: 'Create the administrator' })).toBeVisible();
    await expect(page.getByLabel('Administrator’s name')).toBeFocused();
    await expect(page.getByText('Demo practice accounts')).toHaveCount(0);
    await page.getByLabel('Administrator’s name').fill('Morgan Ellis');
    await page.getByLabel('Username').fill('morgan');
    await page.getByLabel('Password', { exact: true }).fill('maple-grove-1');
    await page.getByLabel('Password again').fill('maple-grove-2');
    await page.getByLabel('Password again').press('Enter');
    await expect(page.getByRole('alert')).toHaveText('The two passwords are not the same: type the password again.');
    await page.screenshot({ path: shot('setup') });
    await page.getByLabel('Password again').fill('maple-grove-1');
    await page.getByLabel('Password again').press('Enter');
    await expect(page.getByLabel('Signed in')).toHaveText('Morgan Ellis');
    await expect(page.getByRole('heading', { level: 1, name: 'Check-in today' })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Bulk PIN', exact: true })).toBeEnabled();

    // A reload keeps the session (main holds it); signing out leaves the sign-in screen, not setup.
    await page.reload();
    await expect(page.getByLabel('Signed in')).toHaveText('Morgan Ellis');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Sign in' })).toBeVisible();
  } finally {
    await fresh.stop();
  }
});
