import { expect, test } from '@playwright/test';
import { useDemoPractice } from '../support/demoPractice';
import { openWebApp } from '../support/webSession';

/** Issue 12 item 2: Escape and focus work for the clerk, never against them. */
const demo = useDemoPractice(test, 60);

async function openWizardFor(page: import('@playwright/test').Page, familyId: string) {
  const chart = demo.db.prepare('SELECT chart_number FROM patients WHERE family_id = ? ORDER BY chart_number LIMIT 1').pluck().get(familyId) as string;
  await openWebApp(page, demo.web.url);
  await page.keyboard.press('/');
  await page.getByRole('searchbox', { name: 'Search patients' }).fill(chart);
  await page.keyboard.press('Enter');
  await page.getByRole('button', { name: 'Portal PINs for this family' }).press('Enter');
  await expect(page.getByRole('heading', { level: 1, name: `Portal PINs: ${demo.familyName(familyId)} family` })).toBeVisible();
}

test('a "Baby Boy" family: the name field has the focus, and Escape while typing keeps the wizard and the text', async ({ page }) => {
  const familyId = demo.scenarios['baby-girl'][0]!;
  await openWizardFor(page, familyId);
  const given = page.getByLabel('Given name');
  await expect(given).toBeFocused();
  await page.keyboard.type('Elena');
  await page.keyboard.press('Escape');
  await expect(page.getByRole('heading', { level: 1, name: `Portal PINs: ${demo.familyName(familyId)} family` })).toBeVisible();
  await expect(given).toHaveValue('Elena');
  // Enter did not (and could not) leave the baby out: the Continue button never had the focus.
  await expect(page.getByRole('button', { name: /^Continue/ })).not.toBeFocused();
});

test('Escape on the plan goes back to the review, and a second Escape leaves the wizard', async ({ page }) => {
  const familyId = demo.scenarios['siblings-2'][0]!;
  await openWizardFor(page, familyId);
  await page.keyboard.press('Enter');
  await expect(page.getByRole('region', { name: 'Plan' })).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page.getByRole('button', { name: /^Continue: plan 2 PINs/ })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Plan' })).toBeHidden();
  await page.keyboard.press('Escape');
  await expect(page.getByRole('heading', { level: 1, name: `${demo.familyName(familyId)} family` })).toBeVisible();
});

test('"/" comes back to the last search with its text selected, so typing starts a new search', async ({ page }) => {
  await openWebApp(page, demo.web.url);
  await page.keyboard.press('/');
  const box = page.getByRole('searchbox', { name: 'Search patients' });
  await box.fill('Lopez');
  await page.keyboard.press('Escape'); // leaves the field, text kept
  await page.keyboard.press('Escape'); // back to check-in
  await expect(page.getByRole('heading', { level: 1, name: 'Check-in today' })).toBeVisible();
  await page.keyboard.press('/');
  await expect(box).toBeFocused();
  await page.keyboard.type('Kim');
  await expect(box).toHaveValue('Kim');
});

test("a pasted page of text is cut at the search field's limit, never refused with an error", async ({ page }) => {
  await openWebApp(page, demo.web.url);
  await page.keyboard.press('/');
  const box = page.getByRole('searchbox', { name: 'Search patients' });
  await box.fill(`Wi Ba ${'a'.repeat(300)}`);
  await expect(box).toHaveValue(`Wi Ba ${'a'.repeat(194)}`);
  await expect(page.getByText(/No patient matches/)).toBeVisible();
  await expect(page.getByRole('alert')).toHaveCount(0);
});
