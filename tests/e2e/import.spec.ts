import { expect, test } from '@playwright/test';
import { useDemoPractice } from '../support/demoPractice';
import { signInOnWeb } from '../support/signIn';
import { importedFamilies, practiceExport, ROWS_PER_FAMILY } from '../support/practiceExport';
import { openWebApp } from '../support/webSession';

const demo = useDemoPractice(test, 10);
// Importing practice data is for administrators.
test.beforeAll(() => signInOnWeb(demo.web.url, 'admin'));

/** Windows-1252 bytes: Latin-1 letters as they are, the typographic apostrophe at 0x92. */
function windows1252(text: string): Buffer {
  return Buffer.from([...text].map((ch) => (ch === '\u2019' ? 0x92 : ch.charCodeAt(0))));
}

test('a file saved as Windows-1252: the import screen shows its names to check, and imports them as they read once confirmed', async ({ page }) => {
  const csv = [
    'Chart #,First Name,Last Name,DOB,Status',
    'ENC-1,José,Peña,03/14/2015,Active',
    'ENC-2,Siobhán,O\u2019Brien,06/02/2018,Active',
    'ENC-3,Ana\u0007,Muñoz,2020-09-30,Active',
  ].join('\r\n');

  await openWebApp(page, demo.web.url);
  await page.getByRole('button', { name: 'Bulk PIN', exact: true }).click();
  await page.getByRole('button', { name: 'Import practice data from CSV files' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Import practice data' })).toBeVisible();
  await page.getByLabel('CSV files (up to 3)').setInputFiles({ name: 'patients.csv', mimeType: 'text/csv', buffer: windows1252(csv) });

  // The check: the names as they read, and nothing to apply until the administrator confirms.
  const check = page.getByRole('region', { name: 'Check how patients.csv reads' });
  await expect(check).toContainText('patients.csv is not saved as UTF-8 (line 2 is the first line that is not)');
  const samples = check.getByRole('table', { name: 'Names in patients.csv, read as Windows-1252' });
  await expect(samples.getByRole('row')).toHaveText(['LineReads as', '2José Peña', '3Siobhán O\u2019Brien', '4Ana Muñoz']);
  const applyButton = page.getByRole('button', { name: 'Apply import' });
  await expect(applyButton).toBeDisabled();
  await expect(applyButton).toHaveAccessibleDescription('Check how patients.csv reads first (above).');

  await check.getByRole('button', { name: 'The names read right: read the file as Windows-1252' }).click();
  await expect(check).toHaveCount(0);
  await expect(page.getByRole('heading', { level: 3, name: /patients\.csv · 3 rows · read as Windows-1252 \(checked\)/ })).toBeVisible();
  await expect(page.getByText('1 hidden character will be removed from 1 field (control or right-to-left characters nobody typed)')).toBeVisible();
  await expect(applyButton).toBeEnabled();
  await applyButton.click();

  await expect(page.getByRole('heading', { level: 2, name: 'Imported' })).toBeVisible();
  await expect(page.getByText('1 hidden character removed from 1 field (control or right-to-left characters nobody typed)')).toBeVisible();
  const stored = demo.db.prepare(`SELECT first_name, last_name FROM patients WHERE chart_number LIKE 'ENC-%' ORDER BY chart_number`).raw(true).all();
  expect(stored).toEqual([
    ['José', 'Peña'],
    ['Siobhán', 'O\u2019Brien'],
    ['Ana', 'Muñoz'],
  ]);
});

test('a file that is not text is refused with what to do, naming the line', async ({ page }) => {
  await openWebApp(page, demo.web.url);
  await page.getByRole('button', { name: 'Bulk PIN', exact: true }).click();
  await page.getByRole('button', { name: 'Import practice data from CSV files' }).click();
  await page.getByLabel('CSV files (up to 3)').setInputFiles({
    name: 'patients.xlsx',
    mimeType: 'application/octet-stream',
    buffer: Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00, 0xa1, 0xd2, 0x0a, 0x9d, 0xff]),
  });
  const problems = page.getByRole('table', { name: /patients\.xlsx \(1 problem\)/ });
  await expect(problems.getByRole('row').nth(1)).toHaveText(
    /^1—patients\.xlsx is not a CSV text file this app can read: line 1 is not UTF-8.*Save the file as CSV UTF-8/,
  );
  await expect(page.getByRole('button', { name: 'Apply import' })).toBeDisabled();
});

test('a large import shows its progress on the screen and in the status bar, and Cancel keeps only whole families', async ({ page }) => {
  // Large enough that the clerk's Cancel lands while rows are still being applied, on a loaded machine too: the
  // status bar shows the job at its next poll (every 5 s), and 20,000 families (4.5 s of rows in the job worker's
  // ~100 ms transactions, in CI) were all applied before the click arrived.
  const families = 40_000;
  const rowsTotal = families * ROWS_PER_FAMILY;
  const total = rowsTotal.toLocaleString('en-US');
  const files = practiceExport(families);
  await openWebApp(page, demo.web.url);
  await page.getByRole('button', { name: 'Bulk PIN', exact: true }).click();
  await page.getByRole('button', { name: 'Import practice data from CSV files' }).click();
  await page.getByLabel('CSV files (up to 3)').setInputFiles(files.map((f) => ({ name: f.name, mimeType: 'text/csv', buffer: Buffer.from(f.content) })));
  const applyButton = page.getByRole('button', { name: 'Apply import' });
  await expect(applyButton).toBeEnabled({ timeout: 60_000 });
  await applyButton.click();

  // Progress, on the screen and in the status bar, as the job's transactions commit.
  await expect(
    page
      .getByRole('status')
      .filter({ hasText: new RegExp(`^Import \\d+% applied \\([\\d,]+ of ${total} rows\\)\\. Families appear in search as they are applied`) }),
  ).toBeVisible({ timeout: 30_000 });
  await expect(page.getByRole('progressbar', { name: 'Import progress' })).toBeVisible();
  await expect(page.getByRole('contentinfo').getByText(new RegExp(`^Import \\d+% applied \\([\\d,]+ of ${total} rows\\)$`))).toBeVisible();

  await page.getByRole('button', { name: 'Cancel import' }).click();
  await expect(page.getByRole('heading', { level: 2, name: 'Import cancelled' })).toBeVisible({ timeout: 30_000 });
  const message = page.getByText(new RegExp(`^Cancelled: \\d+ of ${rowsTotal} rows were applied, each family whole; the rest was not\\.$`));
  await expect(message).toBeVisible();
  const rowsDone = Number(/Cancelled: (\d+)/.exec((await message.textContent()) ?? '')![1]);
  expect(rowsDone).toBeLessThan(rowsTotal);
  // What the clerk sees is whole families, as many as the screen says.
  const seen = importedFamilies(demo.db);
  expect(seen.notWhole).toEqual([]);
  expect(seen.families * ROWS_PER_FAMILY).toBe(rowsDone);
  await expect(
    page.getByRole('contentinfo').getByText(new RegExp(`^Import cancelled: [\\d,]+ of ${total} rows were applied, each family whole$`)),
  ).toBeVisible();
});
