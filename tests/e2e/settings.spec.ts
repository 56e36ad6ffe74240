import BetterSqlite3 from 'better-sqlite3';
import { expect, test, type Page } from '@playwright/test';
import { signInOnWeb } from '../support/signIn';
import { startWebApp, type WebApp } from '../support/webApp';
import { openWebApp } from '../support/webSession';

let web: WebApp;

test.beforeAll(async () => {
  web = await startWebApp({ demoFamilies: 20 });
  // Changing settings is for administrators: the demo administrator signs in (the demo opens as its clerk).
  await signInOnWeb(web.url, 'admin');
});
test.afterAll(async () => {
  await web?.stop();
});

/** Opens the Settings screen from the top bar and waits until it shows the stored values. */
async function openSettings(page: Page) {
  await page.getByRole('button', { name: 'Settings' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible();
  await expect(page.getByLabel('Minor Age Limit')).not.toHaveValue('');
}

/** Reads the database file the way an auditor would: read-only, beside the running app. */
function readDatabase<T>(read: (db: BetterSqlite3.Database) => T): T {
  const db = new BetterSqlite3(web.databaseFile, { readonly: true, fileMustExist: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

test('settings are edited, validated, saved, audited and kept after a reload', async ({ page }) => {
  await openWebApp(page, web.url);
  await openSettings(page);

  const minorAgeLimit = page.getByLabel('Minor Age Limit');
  const pinValidity = page.getByLabel('PIN validity');
  const save = page.getByRole('button', { name: 'Save', exact: true });
  // The screen's own live note (the footer status bar is a status region too).
  const note = page.getByRole('main').getByRole('status');

  // The form opens on the stored values, with nothing to save yet.
  await expect(minorAgeLimit).toHaveValue('18');
  await expect(pinValidity).toHaveValue('30');
  await expect(save).toBeDisabled();

  // Change two settings and save with Enter, from the keyboard.
  await pinValidity.fill('45');
  await minorAgeLimit.fill('19');
  await expect(save).toBeEnabled();
  await minorAgeLimit.press('Enter');
  await expect(note).toHaveText('Saved. Changes are recorded in the audit log.');
  await expect(save).toBeDisabled();
  await expect(page.getByRole('main').getByRole('alert')).toHaveCount(0);

  // A reload keeps the web-mode token (sessionStorage) and reads the saved values back.
  await page.reload();
  await openSettings(page);
  await expect(minorAgeLimit).toHaveValue('19');
  await expect(pinValidity).toHaveValue('45');

  // The database holds the new values, and one audit row per changed setting (only those two were sent).
  const stored = readDatabase((db) => ({
    settings: Object.fromEntries(
      (db.prepare(`SELECT key, value FROM settings WHERE key IN ('minorAgeLimit', 'pinValidityDays')`).all() as { key: string; value: string }[]).map((row) => [
        row.key,
        JSON.parse(row.value) as unknown,
      ]),
    ),
    audit: db.prepare(`SELECT clerk_id, details FROM audit_log WHERE action = 'setting_changed' ORDER BY id`).all() as {
      clerk_id: string | null;
      details: string;
    }[],
  }));
  expect(stored.settings).toEqual({ minorAgeLimit: 19, pinValidityDays: 45 });
  expect(stored.audit).toHaveLength(2);
  const details = stored.audit.map((row) => JSON.parse(row.details) as { setting: string; from: unknown; to: unknown });
  expect(details).toEqual(
    expect.arrayContaining([
      { setting: 'minorAgeLimit', from: 18, to: 19 },
      { setting: 'pinValidityDays', from: 30, to: 45 },
    ]),
  );
  for (const row of stored.audit) expect(row.clerk_id).toBeTruthy();

  // An out-of-range Minor Age Limit is explained beside the field and cannot be saved, not even with Enter.
  await minorAgeLimit.fill('40');
  await expect(minorAgeLimit).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByText('Enter a whole number from 12 to 21.')).toBeVisible();
  await expect(save).toBeDisabled();
  await minorAgeLimit.press('Enter');
  await expect(note).toHaveText('');
  const stillStored = readDatabase((db) => ({
    limit: db.prepare(`SELECT value FROM settings WHERE key = 'minorAgeLimit'`).pluck().get() as string,
    audits: db.prepare(`SELECT count(*) FROM audit_log WHERE action = 'setting_changed'`).pluck().get() as number,
  }));
  expect(JSON.parse(stillStored.limit)).toBe(19);
  expect(stillStored.audits).toBe(2);
});
