import { expect, test } from '@playwright/test';
import { startWebApp, type WebApp } from '../support/webApp';

/**
 * The printed address in a real browser (issue 11): the first browser to open it is signed in
 * and the code leaves the address bar; another browser opening the same address (or its history
 * entry) gets a page saying it was already used, and the first keeps working. This spec opens
 * the address itself, as a person would, instead of through support/webSession.ts.
 */
let web: WebApp & { kill(): Promise<void> };

test.beforeAll(async () => {
  web = await startWebApp({ demoFamilies: 10 });
});
test.afterAll(async () => {
  await web?.stop();
});

test('the launch address opens the app once; a second browser is told it was used, the first keeps working', async ({ page, browser }) => {
  await page.goto(web.url);
  const checkin = page.getByRole('listbox', { name: 'Families checking in today' });
  await expect(checkin.getByRole('option').first()).toBeVisible();
  // The code is gone from the address (and from what history will show for this tab).
  expect(page.url()).toBe(`${new URL(web.url).origin}/`);

  const elsewhere = await browser.newContext();
  try {
    const second = await elsewhere.newPage();
    await second.goto(web.url);
    await expect(second.getByRole('heading', { level: 1 })).toHaveText('This address was already used');
    await expect(second.getByText('Go back to that browser window: it is still signed in.')).toBeVisible();
    await expect(second.getByRole('listbox', { name: 'Families checking in today' })).toHaveCount(0);
    // Without the address at all, it is told where to get one.
    await second.goto(`${new URL(web.url).origin}/`);
    await expect(second.getByRole('heading', { level: 1 })).toHaveText('Open the app with the address web mode printed');
  } finally {
    await elsewhere.close();
  }

  // The first browser is unaffected: a reload keeps its session, and the used address in a new tab of the same browser opens the app too.
  await page.reload();
  await expect(checkin.getByRole('option').first()).toBeVisible();
  const sameBrowser = await page.context().newPage();
  await sameBrowser.goto(web.url);
  await expect(sameBrowser.getByRole('listbox', { name: 'Families checking in today' }).getByRole('option').first()).toBeVisible();
});
