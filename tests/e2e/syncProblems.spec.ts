import { expect, test, type Page } from '@playwright/test';
import type { PatientRecord } from '../../shared/sync/protocol';
import { servedPage, startChangeFeed, type ChangeFeed } from '../support/changeFeed';
import { signInOnWeb } from '../support/signIn';
import { webApi } from '../support/webApi';
import { startWebApp, type WebApp } from '../support/webApp';
import { openWebApp } from '../support/webSession';

/**
 * What an administrator sees when the practice system sends something the desk cannot use
 * (issue 11): the record set aside and listed under Settings > Practice system, the rest applied,
 * and the status bar saying why a sync stopped or that the clock is wrong.
 */

const TOKEN = 'e2e-sync-token';
const STAMP = '2026-11-20T10:00:00.000Z';
const HOUR = 3_600_000;

let web: WebApp;
let feed: ChangeFeed;

const patient = (id: string, firstName: string): PatientRecord => ({
  id,
  chartNumber: `E2E-${id}`,
  familyId: 'f-e2e',
  firstName,
  lastName: 'Quintero',
  dateOfBirth: '2017-05-01',
  sex: 'F',
  status: 'Active',
  portalLinked: false,
  version: 1,
  updatedAt: STAMP,
});

test.beforeAll(async () => {
  feed = await startChangeFeed({
    token: TOKEN,
    // The practice system's clock says two hours earlier than this computer's.
    now: () => new Date(Date.now() - 2 * HOUR),
    pages: [
      {
        families: [{ id: 'f-e2e', name: 'Quintero', version: 1, updatedAt: STAMP }],
        patients: [patient('p-e2e-1', 'Lucia'), patient('p-e2e-2', 'L'.repeat(81))],
      },
    ],
  });
  web = await startWebApp({ demoFamilies: 20 });
  await signInOnWeb(web.url, 'admin');
  const invoke = webApi(web.url);
  await invoke('settings.update', { changes: { syncUrl: feed.baseUrl } });
  await invoke('secrets.set', { key: 'syncToken', value: TOKEN });
});

test.afterAll(async () => {
  await web?.stop();
  await feed?.close();
});

async function syncFromSettings(page: Page) {
  await page.getByRole('button', { name: 'Settings' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible();
  await page.getByRole('button', { name: 'Sync now' }).click();
}

test('a record the desk cannot read is set aside and listed for the administrator; the status bar warns about a wrong clock', async ({ page }) => {
  await openWebApp(page, web.url);
  await syncFromSettings(page);

  await expect(page.locator('#sync-now-result')).toContainText('Pulled 2 rows in 1 page; 1 record set aside because this desk could not read them');
  const problems = page.getByRole('table');
  await expect(problems.getByRole('row')).toHaveCount(2);
  await expect(problems.getByRole('row').nth(1)).toContainText('Patient');
  await expect(problems.getByRole('row').nth(1)).toContainText('p-e2e-2');
  await expect(problems.getByRole('row').nth(1)).toContainText('cannot be read (firstName:');
  await expect(page.getByRole('status', { name: 'Status' })).toContainText("This computer's clock is 2 h ahead of the practice system: fix the clock");
  // The rest of the page is in the mirror: Lucia is found by name.
  await page.keyboard.press('Escape');
  await page.locator('body').click();
  await page.keyboard.press('/');
  await page.getByRole('searchbox', { name: 'Search patients' }).fill('Lucia Quintero');
  await expect(page.getByRole('listbox', { name: 'Search results' })).toContainText('Lucia');
});

test('a practice system that repeats its cursor stops the sync with a message in the status bar', async ({ page }) => {
  // Whatever it is asked, it answers "more after c1".
  feed.intercept = () => ({ status: 200, body: { ...servedPage([], 0), cursor: 'c1', hasMore: true } });
  await openWebApp(page, web.url);
  await syncFromSettings(page);
  const message = 'The practice system sent a repeating cursor: contact its vendor.';
  await expect(page.getByRole('alert')).toContainText(`Sync did not finish: ${message}`);
  await expect(page.getByRole('status', { name: 'Status' })).toContainText(`Sync stopped: ${message}`);
});
