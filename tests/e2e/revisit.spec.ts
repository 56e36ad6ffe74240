import { expect, test, type Page } from '@playwright/test';
import { localDateIn } from '../../shared/domain/dates';
import { demoScenarioFamilies } from '../../electron/main/demo/demoPractice';
import { printToText } from '../support/pdf';
import { signInOnWeb } from '../support/signIn';
import { webApi } from '../support/webApi';
import { openWebApp } from '../support/webSession';
import { startWebPractice, type WebPractice } from '../support/webPractice';

/** Issue 10, one desk: a family issued once stays issued, on a second visit and after a sibling arrives upstream. */

const FAMILIES = 120;
let practice: WebPractice;
let invoke: ReturnType<typeof webApi>;

test.use({ viewport: { width: 1366, height: 768 } });

test.beforeAll(async () => {
  practice = await startWebPractice({ families: FAMILIES, tempPrefix: 'fpp-revisit-', token: 'e2e-token' });
  invoke = webApi(practice.desk.url);
  await practice.connect();
  await signInOnWeb(practice.desk.url, 'demo');
});
test.afterAll(async () => {
  await practice?.close();
});

const count = (sql: string, ...params: unknown[]) =>
  practice.db
    .prepare(sql)
    .pluck()
    .get(...params) as number;

/** The highlighted row is on screen and above the fixed status bar. */
async function expectActiveRowVisible(page: Page) {
  const row = page.locator('[role="option"][aria-selected="true"]');
  const box = (await row.boundingBox())!;
  const bar = (await page.locator('.status-bar').boundingBox()) ?? { y: 768 };
  expect(box.y).toBeGreaterThanOrEqual(0);
  expect(box.y + box.height).toBeLessThanOrEqual(bar.y + 1);
}

test('a family issued from a row below the fold, by keyboard only, is marked done and issues nothing on a second visit; a new sibling gets an add-child slip', async ({
  page,
}) => {
  const checkins = (await invoke<{ families: { familyId: string; children: unknown[] }[] }>('checkin.today', {})).families;
  const threes = new Set(demoScenarioFamilies(practice.db)['siblings-3']);
  const index = checkins
    .map((f, i) => ({ f, i }))
    .filter(({ f }) => threes.has(f.familyId))
    .at(-1)!.i;
  const familyId = checkins[index]!.familyId;
  expect(index).toBeGreaterThanOrEqual(11); // below the fold at 1366×768

  await openWebApp(page, practice.desk.url);
  const list = page.getByRole('listbox', { name: 'Families checking in today' });
  await expect(list).toBeFocused();
  for (let i = 0; i < index; i++) {
    await page.keyboard.press('ArrowDown');
    await expectActiveRowVisible(page);
  }
  // From the row to a printed packet: every key the clerk presses is counted (issue 12: at most 4).
  let actions = 0;
  const press = async (key: string) => {
    actions += 1;
    await page.keyboard.press(key);
  };
  await press('Enter');
  await expect(page.getByRole('button', { name: 'Continue: plan 3 PINs' })).toBeFocused();
  await press('Enter');
  await expect(page.getByRole('button', { name: 'Issue 3 PINs and queue 1 Welcome email' })).toBeFocused();
  await press('Enter');
  await expect(page.getByRole('button', { name: /^Print packet/ })).toBeFocused();
  await press('Enter');
  await expect(page.getByRole('status').filter({ hasText: 'Sent to the printer.' })).toBeVisible();
  expect(actions).toBeLessThanOrEqual(4);
  console.log(`Keyboard only, from the highlighted check-in row to a printed packet: ${actions} key presses`);
  await page.keyboard.press('Escape');

  // Back on check-in: the same row, highlighted and visible, marked done.
  const row = page.locator(`#checkin-${familyId}`);
  await expect(row).toHaveAttribute('aria-selected', 'true');
  await expect(row).toContainText(/PINs issued \d{1,2}:\d\d (AM|PM) \(3 of 3\)/);
  await expectActiveRowVisible(page);
  const pinsBefore = count('SELECT count(*) FROM pins');
  const welcomesBefore = count(`SELECT count(*) FROM outbox WHERE kind = 'email.welcome'`);

  // Second visit: Enter through every step issues nothing, and the plan says why.
  await page.keyboard.press('Enter');
  await expect(page.getByRole('button', { name: 'Continue: nothing to issue by default (see why)' })).toBeFocused();
  await expect(page.locator('.warning').filter({ hasText: /^⚠ PIN issued (just now|\d+ minutes? ago) by Dana/ })).toHaveCount(3);
  await page.keyboard.press('Enter');
  await expect(page.locator('.plan-sentence')).toContainText('Nothing to issue by default');
  await expect(page.getByRole('button', { name: 'Issue 0 PINs' })).toBeDisabled();
  await page.keyboard.press('Enter');
  await page.keyboard.press('Enter');
  expect(count('SELECT count(*) FROM pins')).toBe(pinsBefore);
  expect(count(`SELECT count(*) FROM outbox WHERE kind = 'email.welcome'`)).toBe(welcomesBefore);

  // A sibling is added upstream; after a pull only the new child is planned, on an add-child slip.
  const guardian = practice.portal.database
    .prepare(`SELECT pc.contact_id FROM patient_contacts pc JOIN patients p ON p.id = pc.patient_id WHERE p.family_id = ? AND pc.sort = 1 LIMIT 1`)
    .pluck()
    .get(familyId) as string;
  const familyName = practice.portal.database.prepare('SELECT name FROM families WHERE id = ?').pluck().get(familyId) as string;
  practice.portal.database
    .prepare(
      `INSERT INTO patients (id, chart_number, family_id, first_name, last_name, date_of_birth, sex, status, portal_linked, version, updated_at)
       VALUES ('p-newborn', 'NB-1', ?, 'Marisol', ?, ?, 'F', 'Active', 0, 1, ?)`,
    )
    .run(familyId, familyName, localDateIn(new Date(Date.now() - 20 * 86_400_000), 'UTC'), new Date().toISOString());
  practice.portal.database
    .prepare(
      `INSERT INTO patient_contacts (patient_id, contact_id, sort, relationship, authority, resides_with, portal_flag) VALUES ('p-newborn', ?, 1, 'Mother', 'Joint', 1, 0)`,
    )
    .run(guardian);
  practice.portal.touch('patient', 'p-newborn');
  practice.portal.touch('patientContact', `p-newborn:${guardian}`);
  await invoke('sync.now', {});

  await page.keyboard.press('Escape');
  await page.keyboard.press('Escape');
  await expect(row).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('listitem', { name: `Marisol ${familyName}` })).toBeVisible();
  await page.keyboard.press('Enter');
  await expect(page.locator('.plan-sentence').first()).toContainText('already has a Welcome email');
  await expect(page.locator('.plan-sentence').first()).toContainText('add-child slip');
  await expect(page.getByRole('button', { name: 'Issue 1 PIN' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('button', { name: /^Print packet/ })).toBeFocused();
  expect(count('SELECT count(*) FROM pins')).toBe(pinsBefore + 1);
  expect(count(`SELECT delivery FROM pins WHERE patient_id = 'p-newborn'`)).toBe('print' as unknown as number);
  expect(count(`SELECT count(*) FROM outbox WHERE kind = 'email.welcome'`)).toBe(welcomesBefore);
  // The packet: an add-child slip, never "create your account".
  await expect(page.getByRole('button', { name: /^Print packet/ })).toBeEnabled();
  const { text } = await printToText(page);
  expect(text).toContain('Add Marisol to your account');
  expect(text).toContain('My Account > Add child/dependent');
  expect(text).not.toContain('create your portal account');
  expect(text).not.toContain('Creating your account from the Welcome email');
});
