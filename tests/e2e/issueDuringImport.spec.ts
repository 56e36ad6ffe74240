import { expect, test } from '@playwright/test';
import { useDemoPractice } from '../support/demoPractice';
import { signInOnWeb } from '../support/signIn';
import { practiceExport } from '../support/practiceExport';
import { openWebApp } from '../support/webSession';

const demo = useDemoPractice(test);
// Importing practice data is for administrators; the same person then works the desk in a second tab.
test.beforeAll(() => signInOnWeb(demo.web.url, 'admin'));

/**
 * Issue 14: while an import writes the mirror, a family issued in another tab is answered from the
 * desk's journal (pins/issueJournal.ts): its packet is built from the journal's rows, and its PINs
 * reach the mirror after the import's transactions.
 */
test('a family issued in a second tab while a large import applies gets its packet at once, and keeps its PINs', async ({ browser }) => {
  const files = practiceExport(40_000);
  const admin = await browser.newPage({ viewport: { width: 1366, height: 768 } });
  await openWebApp(admin, demo.web.url);
  await admin.getByRole('button', { name: 'Bulk PIN', exact: true }).click();
  await admin.getByRole('button', { name: 'Import practice data from CSV files' }).click();
  await admin.getByLabel('CSV files (up to 3)').setInputFiles(files.map((f) => ({ name: f.name, mimeType: 'text/csv', buffer: Buffer.from(f.content) })));
  const applyButton = admin.getByRole('button', { name: 'Apply import' });
  await expect(applyButton).toBeEnabled({ timeout: 60_000 });
  await applyButton.click();
  await expect(admin.getByRole('status').filter({ hasText: /^Import \d+% applied/ })).toBeVisible({ timeout: 30_000 });

  // The desk, keyboard only, at 1366x768.
  const desk = await browser.newPage({ viewport: { width: 1366, height: 768 } });
  await openWebApp(desk, demo.web.url);
  const familyId = demo.scenarios['siblings-3'][0]!;
  const name = demo.familyName(familyId);
  await desk
    .getByRole('option', { name: new RegExp(`^\\d\\d:\\d\\d ${name} family, 3 children`) })
    .first()
    .click();
  await expect(desk.getByRole('button', { name: 'Continue: plan 3 PINs' })).toBeFocused();
  await desk.keyboard.press('Enter');
  await expect(desk.getByRole('button', { name: /^Issue 3 PINs/ })).toBeFocused();
  await desk.keyboard.press('Enter');
  const print = desk.getByRole('button', { name: /^Print packet/ });
  await expect(print).toBeFocused();
  await expect(desk.getByRole('cell', { name: `${demo.kids(familyId)[0]!.first_name} ${name}` })).toBeVisible();
  // Answered while the import was still applying.
  const importState = () => demo.db.prepare(`SELECT state FROM job_runs WHERE kind = 'import.apply'`).pluck().get();
  expect(importState()).toBe('running');
  await expect(admin.getByRole('contentinfo').getByText(/^Import \d+% applied/)).toBeVisible();

  await admin.getByRole('button', { name: 'Cancel import' }).click();
  await expect(admin.getByRole('heading', { level: 2, name: 'Import cancelled' })).toBeVisible({ timeout: 30_000 });
  // The family's three PINs are in the mirror, each with its enrollment queued for the portal.
  const pinIds = demo.db.prepare('SELECT p.id FROM pins p JOIN patients c ON c.id = p.patient_id WHERE c.family_id = ?').pluck().all(familyId) as string[];
  expect(pinIds).toHaveLength(3);
  const enrollments = demo.db
    .prepare(`SELECT count(*) FROM outbox WHERE kind = 'portal.enrollment' AND ref IN (SELECT value FROM json_each(?))`)
    .pluck()
    .get(JSON.stringify(pinIds));
  expect(enrollments).toBe(3);
});
