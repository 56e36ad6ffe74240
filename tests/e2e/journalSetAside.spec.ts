import fs from 'node:fs';
import { expect, test } from '@playwright/test';
import { makeTempDir } from '../support/tempDir';
import { startWebApp } from '../support/webApp';
import { openWebApp } from '../support/webSession';

/**
 * A desk journal damaged on disk (issue 14; electron/main/db/deskJournal.ts): the front desk still
 * starts, the clerk can work, and the status bar says what was set aside and whom to tell.
 */

test('a damaged desk journal does not keep the front desk closed: the app starts, the check-in list is there, and the status bar says the journal was set aside for IT', async ({
  page,
}) => {
  const temp = makeTempDir('fpp-e2e-journal-');
  try {
    await (await startWebApp({ demoFamilies: 20, dataDir: temp.dir })).stop();
    const journal = temp.file('practice.sqlite-desk-journal');
    // Something other than the app wrote over it (or the disk did): not a database any more.
    fs.writeFileSync(journal, Buffer.alloc(8192, 0x5a));

    const web = await startWebApp({ demoFamilies: 20, dataDir: temp.dir });
    try {
      await page.setViewportSize({ width: 1366, height: 768 });
      await openWebApp(page, web.url);
      await expect(page.getByRole('heading', { name: 'Check-in today' })).toBeVisible();
      const warning = page.getByRole('status', { name: 'Status' }).getByText(/journal of PINs just issued was damaged/);
      await expect(warning).toBeVisible();
      await expect(warning).toContainText('nothing could be read from it; the file is kept for IT as practice.sqlite-desk-journal.damaged-');
      await expect(warning).toContainText('tell your administrator');
      const kept = fs.readdirSync(temp.dir).filter((name) => /^practice\.sqlite-desk-journal\.damaged-[0-9TZ-]+$/.test(name));
      expect(kept).toHaveLength(1);
      // Keyboard: the desk's search still answers.
      await page.keyboard.press('/');
      await page.keyboard.type('Smith');
      await expect(page.getByRole('option').first()).toBeVisible();
    } finally {
      await web.stop();
    }
  } finally {
    temp.remove();
  }
});
