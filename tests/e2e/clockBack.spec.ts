import { expect, test } from '@playwright/test';
import { appendAudit } from '../../electron/main/audit/audit';
import { openDatabase } from '../../electron/main/db/open';
import { DATABASE_FILE_NAME } from '../../electron/main/startup';
import { signInOnWeb } from '../support/signIn';
import { makeTempDir } from '../support/tempDir';
import { startWebApp, type WebApp } from '../support/webApp';
import { openWebApp } from '../support/webSession';

/**
 * A workstation clock that ran a month ahead and was set right, with no practice system to say
 * which time was right: the status bar says the clock is behind the desk's own records, issuing is
 * refused, and an administrator who checked the clock confirms it from the status bar, keyboard
 * only, with a second explicit yes that names the time.
 */

const DAY = 86_400_000;
const temp = makeTempDir('fpp-e2e-clock-back-');
let web: WebApp | undefined;

test.afterAll(async () => {
  await web?.stop();
  temp.remove();
});

test('an administrator confirms a clock set right after running ahead, from the status bar, by keyboard', async ({ page }) => {
  // The demo desk's first start, then work recorded while the clock was 30 days ahead (a clerk's sign-in).
  await (await startWebApp({ demoFamilies: 20, dataDir: temp.dir })).stop();
  const mirror = await openDatabase(temp.file(DATABASE_FILE_NAME));
  await appendAudit(mirror.db, { action: 'sign_in', clerkId: null, workstation: 'desk-1', at: new Date(Date.now() + 30 * DAY) });
  await mirror.close();

  web = await startWebApp({ demoFamilies: 20, dataDir: temp.dir });
  await signInOnWeb(web.url, 'admin');
  await page.setViewportSize({ width: 1366, height: 768 });
  await openWebApp(page, web.url);
  const status = page.getByRole('status', { name: 'Status' });
  await expect(status).toContainText("This computer's clock is 30 days behind work this desk already recorded");

  const rightNow = page.getByRole('button', { name: 'The clock is right…' });
  const focused = () => rightNow.evaluate((b) => b.matches(':focus'));
  for (let i = 0; i < 80 && !(await focused()); i++) await page.keyboard.press('Tab');
  await expect(rightNow).toBeFocused();
  await page.keyboard.press('Enter');
  // The second step names the time the administrator confirms, and takes the focus; Cancel is beside it.
  const yes = page.getByRole('button', { name: /^Yes: it is .+ now$/ });
  await expect(yes).toBeFocused();
  await expect(page.getByRole('button', { name: 'Cancel' })).toBeVisible();
  // Cancel gives the keyboard back to the button that asked, not to the page's body.
  await page.keyboard.press('Tab');
  await expect(page.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(rightNow).toBeFocused();
  await expect(yes).toHaveCount(0);
  await page.keyboard.press('Enter');
  await expect(yes).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(status).not.toContainText('behind work this desk');
  await expect(rightNow).toHaveCount(0);
  // The warning and its buttons are gone: the keyboard is on the line that says so, and it goes once the clerk moves on.
  const confirmed = status.getByText('Clock confirmed: issuing can go on.');
  await expect(confirmed).toBeFocused();
  await page.keyboard.press('Shift+Tab');
  await expect(confirmed).toHaveCount(0);
});
