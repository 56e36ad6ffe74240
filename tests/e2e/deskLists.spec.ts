import { expect, test, type Locator, type Page } from '@playwright/test';
import { demoScenarioFamilies, type DemoScenario } from '../../electron/main/demo/demoPractice';
import { pinsIn } from '../support/pdf';
import { DEMO_PASSWORDS } from '../support/signIn';
import { openWebApp } from '../support/webSession';
import { startWebPractice, type WebPractice } from '../support/webPractice';

/**
 * Issue 12, items 1, 7 and 9, as the clerk and the administrator meet them: the status after the
 * practice system is set up, the outbox (names, Retry all, arrow keys), the audit log's check and
 * its rows, and the mail-drop viewer's PINs. One desk, in this order (each test builds on the last).
 */

const FAMILIES = 60;
let practice: WebPractice;
let scenarios: Record<DemoScenario, string[]>;

const kids = (familyId: string) => practice.kids(familyId);
const familyName = (familyId: string) => practice.db.prepare('SELECT name FROM families WHERE id = ?').pluck().get(familyId) as string;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  practice = await startWebPractice({ families: FAMILIES, tempPrefix: 'fpp-desk-lists-', token: 'desk-token' });
  scenarios = demoScenarioFamilies(practice.db);
});
test.afterAll(async () => {
  await practice?.close();
});

async function lockAndSignIn(page: Page, username: 'demo' | 'admin') {
  await page.keyboard.press('Control+l');
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Username').fill(username);
  await dialog.getByLabel('Password').fill(DEMO_PASSWORDS[username]);
  await dialog.getByLabel('Password').press('Enter');
  await expect(dialog).toHaveCount(0);
}

const statusBar = (page: Page) => page.getByRole('status', { name: 'Status' });

/** The row is on screen and not under the fixed status bar. */
async function expectInView(page: Page, row: Locator) {
  const box = (await row.boundingBox())!;
  const bar = (await page.locator('.status-bar').boundingBox())!;
  expect(box.y).toBeGreaterThanOrEqual(0);
  expect(box.y + box.height).toBeLessThanOrEqual(bar.y + 0.5);
}

async function issueFamily(page: Page, familyId: string) {
  await page.keyboard.press('Escape');
  await page.keyboard.press('/');
  await page.getByRole('searchbox', { name: 'Search patients' }).fill(kids(familyId)[0]!.chart_number);
  await page.getByRole('searchbox', { name: 'Search patients' }).press('Enter');
  await page.getByRole('button', { name: 'Portal PINs for this family' }).click();
  await page.getByRole('button', { name: /^Continue: plan/ }).click();
  await page.getByRole('button', { name: /^Issue \d+ PINs?/ }).click();
  await expect(page.getByRole('button', { name: /^Print packet/ })).toBeEnabled();
}

test('after the address and token are saved, Sync now works and the status bar never says Online beside “Last sync: never”', async ({ page }) => {
  await openWebApp(page, practice.desk.url);
  await expect(statusBar(page)).toContainText('Practice system: not set up');
  await expect(statusBar(page)).toContainText('Last sync: never');

  await lockAndSignIn(page, 'admin');
  await page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: 'Settings' }).click();
  await page.getByLabel('Sync service address').fill(practice.portal.url);
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByText('Sync token: not set')).toBeVisible();

  // Address saved, token not yet: Sync now says what is missing.
  await page.getByRole('button', { name: 'Sync now' }).click();
  await expect(page.getByRole('alert')).toContainText('The practice system is not set up: enter its address and token in Settings.');
  await expect(statusBar(page)).toContainText('Practice system: not set up');

  // The token saved: the old message goes, and Sync now pulls (it used to keep answering "not set up" until a restart).
  await page.getByLabel('Sync token', { exact: true }).fill('desk-token');
  await page.getByRole('button', { name: 'Save Sync token' }).click();
  await expect(page.getByText('Sync token: set')).toBeVisible();
  await expect(page.getByRole('alert')).toHaveCount(0);
  await page.getByRole('button', { name: 'Sync now' }).click();
  await expect(page.getByText(/^Pulled [\d,]+ rows? in [\d,]+ pages?/)).toBeVisible();
  await expect(statusBar(page)).toContainText('Online');
  await expect(statusBar(page)).not.toContainText('Last sync: never');
  await lockAndSignIn(page, 'demo');
});

test('outbox rows name the child and the family; ↑↓ keep the highlighted item in view; Retry all sends them all back, audited', async ({ page }) => {
  await page.setViewportSize({ width: 1366, height: 560 });
  await openWebApp(page, practice.desk.url);
  practice.portal.setFault('reject422');
  const families = [scenarios['siblings-3'][0]!, scenarios['siblings-3'][1]!];
  for (const familyId of families) await issueFamily(page, familyId);
  await expect(statusBar(page).getByRole('button', { name: '6 need attention' })).toBeVisible({ timeout: 30_000 });

  await statusBar(page).getByRole('button', { name: '6 need attention' }).click();
  const list = page.getByRole('list', { name: 'Items that need attention' });
  const items = list.getByRole('listitem').filter({ has: page.locator('.outbox-summary') });
  await expect(items).toHaveCount(6);
  for (const familyId of families) {
    for (const kid of kids(familyId)) {
      await expect(list).toContainText(`Portal registration of the PIN of ${kid.first_name} ${kid.last_name} (${familyName(familyId)} family)`);
    }
  }

  // Keyboard: Tab from the tabs reaches Retry all, then the first item; ↓ moves down the list, each one scrolled into view above the status bar.
  await page.getByRole('tab', { name: /^Needs attention/ }).focus();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('button', { name: 'Retry all (6)' })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(items.nth(0)).toBeFocused();
  for (let i = 1; i < 6; i++) {
    await page.keyboard.press('ArrowDown');
    await expect(items.nth(i)).toBeFocused();
    await expectInView(page, items.nth(i));
  }
  // Enter goes to the item's actions; Esc comes back to the item (not off the screen).
  await page.keyboard.press('Enter');
  await expect(items.nth(5).getByRole('button', { name: 'Retry', exact: true })).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(items.nth(5)).toBeFocused();
  await expect(page.getByRole('heading', { level: 1, name: 'Outbox' })).toBeVisible();
  await page.keyboard.press('Home');
  await expect(items.nth(0)).toBeFocused();
  await expectInView(page, items.nth(0));

  // Retry all: every item back in the queue at once, one audited retry each.
  practice.portal.setFault('none');
  await page.getByRole('button', { name: 'Retry all (6)' }).click();
  await expect(page.getByRole('tabpanel').getByRole('status')).toHaveText('Sent 6 items back to the outbox: they are tried again shortly (see Waiting).');
  await expect(page.getByText('Nothing needs attention.')).toBeVisible();
  expect(
    practice.db.prepare(`SELECT count(*) FROM audit_log WHERE action = 'delivery_retried' AND json_extract(details, '$.retryAll') = 1`).pluck().get(),
  ).toBe(6);
  await expect(statusBar(page).getByRole('button', { name: '0 waiting' })).toBeVisible({ timeout: 30_000 });
});

test('the mail-drop viewer masks the PIN for a clerk and shows it to an administrator', async ({ page }) => {
  await openWebApp(page, practice.desk.url);
  // The Welcome emails of the families above went to the mail-drop folder (no mail server is set).
  await statusBar(page).getByRole('button', { name: 'Email: mail-drop (not sent)' }).click();
  const text = page.getByRole('region', { name: /^Text of/ });
  await expect(text).toBeVisible();
  await expect(text).toContainText('•••-•••-•••');
  expect(pinsIn((await text.textContent()) ?? '')).toEqual([]);
  await expect(page.getByText('PINs are hidden (•••-•••-•••): only an administrator sees them here.')).toBeVisible();

  await lockAndSignIn(page, 'admin');
  await page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: 'Check-in' }).click();
  await statusBar(page).getByRole('button', { name: 'Email: mail-drop (not sent)' }).click();
  await expect(page.getByRole('region', { name: /^Text of/ })).not.toContainText('•••-•••-•••');
  expect(pinsIn((await page.getByRole('region', { name: /^Text of/ }).textContent()) ?? '')).toHaveLength(1);
  await lockAndSignIn(page, 'demo');
});

test('the audit check counts every entry listed, and ↑↓ Enter move through the entries', async ({ page }) => {
  await openWebApp(page, practice.desk.url);
  await lockAndSignIn(page, 'admin');
  const open = async () => {
    await page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: 'Check-in' }).click();
    await page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: 'Audit log', exact: true }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Audit log' })).toBeVisible();
  };
  await open();
  const entries = page.getByRole('table', { name: 'Audit entries' }).locator('tbody tr');
  const check = page.getByRole('region', { name: 'Audit log check' });
  // The check covers the newest entry listed: the count is that of the whole log, now.
  const total = () => practice.db.prepare('SELECT count(*) FROM audit_log').pluck().get() as number;
  const newest = Number(await entries.first().locator('td').first().textContent());
  await expect(check).toContainText(`Intact: all ${total().toLocaleString('en-US')} entries checked`);
  expect(newest).toBe(total());

  // More entries written (a lock and a sign-in), the screen opened again: the count follows.
  await lockAndSignIn(page, 'admin');
  await open();
  await expect(check).toContainText(`Intact: all ${total().toLocaleString('en-US')} entries checked`);
  expect(Number(await entries.first().locator('td').first().textContent())).toBe(total());

  // Keyboard: the entries take ↓, End, and each highlighted entry is in view; Enter on a PIN entry lists that patient's entries.
  await page.setViewportSize({ width: 1366, height: 600 });
  await entries.first().focus();
  await page.keyboard.press('End');
  const count = await entries.count();
  await expect(entries.nth(count - 1)).toBeFocused();
  await expectInView(page, entries.nth(count - 1));
  await page.keyboard.press('Home');
  const issued = entries.filter({ hasText: 'PIN issued' }).first();
  const patient = (await issued.locator('td').nth(5).textContent())!;
  const index = Number(await issued.evaluate((row) => [...(row.parentElement?.children ?? [])].indexOf(row)));
  for (let i = 0; i < index; i++) await page.keyboard.press('ArrowDown');
  await expect(issued).toBeFocused();
  await expectInView(page, issued);
  await page.keyboard.press('Enter');
  const chart = /\(([^)]+)\)$/.exec(patient)![1]!;
  await expect(page.getByRole('form', { name: 'Filter the audit log' }).getByLabel('Patient')).toHaveValue(chart);
  const patientColumn = entries.locator('td:nth-child(6)');
  await expect(patientColumn.first()).toHaveText(patient);
  expect(new Set(await patientColumn.allTextContents())).toEqual(new Set([patient]));
  await lockAndSignIn(page, 'demo');
});
