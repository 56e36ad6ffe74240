import { existsSync, readFileSync } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import { expect, test, type Page } from '@playwright/test';
import { useDemoPractice } from '../support/demoPractice';
import { signInOnPage } from '../support/signIn';
import { openWebApp } from '../support/webSession';

const demo = useDemoPractice(test, 20);

/** The demo opens signed in as its clerk: lock, and the demo administrator signs in (the session outlives a test). */
async function signInAsAdministrator(page: Page) {
  await openWebApp(page, demo.web.url);
  const signedIn = page.getByLabel('Signed in');
  await expect(signedIn).toHaveText(/^(Dana Reyes|Morgan Ellis)/);
  if ((await signedIn.textContent())?.startsWith('Dana Reyes')) {
    // A clerk sees the screen exists but cannot open it.
    await expect(page.getByRole('button', { name: /^Audit log/ })).toBeDisabled();
    await page.keyboard.press('Control+l');
    await signInOnPage(page, 'admin');
  }
  await expect(signedIn).toHaveText(/^Morgan Ellis \(demo administrator\)/);
}

async function openAuditLog(page: Page) {
  await page.getByRole('button', { name: 'Audit log', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Audit log' })).toBeVisible();
}

const entries = (page: Page) => page.getByRole('table', { name: 'Audit entries' }).locator('tbody tr');
/** A column of the table, by its header: Entry, When, Clerk, Workstation, Action, Patient, Details. */
const COLUMNS = ['Entry', 'When', 'Clerk', 'Workstation', 'Action', 'Patient', 'Details'] as const;
const column = (page: Page, name: (typeof COLUMNS)[number]) => entries(page).locator(`td:nth-child(${COLUMNS.indexOf(name) + 1})`);

test('an administrator filters the audit log by action, exports it and checks the chain', async ({ page }) => {
  await signInAsAdministrator(page);
  await openAuditLog(page);

  // The check made at start says the log is intact.
  const check = page.getByRole('region', { name: 'Audit log check' });
  await expect(check).toContainText(/Intact: all [\d,]+ entries checked, none changed or removed/);

  // Newest first: the administrator's own sign-in is on top, in words, with their name.
  await expect(entries(page).first()).toContainText('Signed in');
  await expect(column(page, 'Clerk').first()).toHaveText('Morgan Ellis (demo administrator)');

  // Filter by action, from the keyboard: only sign-ins and locks remain, one at a time.
  const form = page.getByRole('form', { name: 'Filter the audit log' });
  await form.getByLabel('Action').selectOption({ label: 'Workstation locked' });
  await form.getByLabel('Action').press('Enter');
  await expect(column(page, 'Action')).toHaveText(['Workstation locked']);
  await expect(column(page, 'Clerk')).toHaveText(['Dana Reyes (demo clerk)']);
  await form.getByLabel('Action').selectOption({ label: 'Signed in' });
  await form.getByRole('button', { name: 'Apply filters' }).click();
  await expect(column(page, 'Action').first()).toHaveText('Signed in');
  const signIns = demo.db.prepare(`SELECT count(*) FROM audit_log WHERE action = 'sign_in'`).pluck().get() as number;
  await expect(column(page, 'Action')).toHaveText(Array(signIns).fill('Signed in'));

  // Export what the filter shows: a CSV file in the exports folder, and the export is audited.
  await page.getByRole('button', { name: 'Export CSV' }).click();
  const note = page.getByRole('main').getByRole('status');
  await expect(note).toHaveText(new RegExp(`^Saved ${signIns} rows? to .+\\.csv$`));
  const file = /^Saved \d+ rows? to (.+)$/.exec((await note.textContent()) ?? '')![1]!;
  expect(existsSync(file)).toBe(true);
  const csv = readFileSync(file, 'utf8').split('\r\n');
  expect(csv[0]).toBe('\uFEFFEntry,When (UTC),When (practice time),Clerk,Workstation,Action,Patient,Details');
  expect(csv.filter((line) => line.includes(',Signed in,'))).toHaveLength(signIns);
  expect(demo.db.prepare(`SELECT count(*) FROM audit_log WHERE action = 'audit_exported'`).pluck().get()).toBe(1);

  // Verify now: the result names how many entries it checked, and the export entry is among them.
  await check.getByRole('button', { name: 'Verify now' }).click();
  const total = () => demo.db.prepare('SELECT count(*) FROM audit_log').pluck().get() as number;
  await expect(check).toContainText(`Intact: all ${total().toLocaleString('en-US')} entries checked`);
  await expect(page.getByRole('main').getByRole('alert')).toHaveCount(0);
  await page.screenshot({ path: 'test-results/audit-log.png' });
});

test('an entry changed in the database file behind the app is named, and the status bar flags it', async ({ page }) => {
  await signInAsAdministrator(page);
  await openAuditLog(page);
  // An intruder with the file: triggers dropped, one entry edited.
  const victim = demo.db.prepare(`SELECT id FROM audit_log WHERE action = 'demo_seeded'`).pluck().get() as number;
  const raw = new BetterSqlite3(demo.web.databaseFile);
  try {
    raw.exec('DROP TRIGGER audit_log_no_update');
    raw.prepare(`UPDATE audit_log SET details = '{"families":1}' WHERE id = ?`).run(victim);
  } finally {
    raw.close();
  }

  const check = page.getByRole('region', { name: 'Audit log check' });
  await check.getByRole('button', { name: 'Verify now' }).click();
  const alert = check.getByRole('alert');
  await expect(alert).toContainText('The audit log has been changed outside the app.');
  await expect(alert).toContainText(`First bad entry: #${victim} (Demo practice created,`);
  await expect(alert).toContainText('tell your practice’s compliance officer or IT');
  await expect(page.getByRole('button', { name: 'Audit log changed: check failed' })).toBeVisible();
  // The failed check is itself in the log.
  await page.getByRole('form', { name: 'Filter the audit log' }).getByLabel('Action').selectOption({ label: 'Audit log check failed' });
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await expect(column(page, 'Details').first()).toHaveText(`problem: "altered"; first bad row: ${victim}; rows checked: ${victim - 1}`);
  // The entry the check named is found in the table by its number, showing what it now says.
  await page.getByRole('form', { name: 'Filter the audit log' }).getByLabel('Action').selectOption({ label: 'Demo practice created' });
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await expect(column(page, 'Entry')).toHaveText([String(victim)]);
  await expect(column(page, 'Details')).toHaveText(['families: 1']);
  await page.screenshot({ path: 'test-results/audit-log-tampered.png' });
});
