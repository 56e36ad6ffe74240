import os from 'node:os';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { expect, test } from '@playwright/test';
import { CHECKLIST_ITEMS, type ReadinessSummary } from '../../shared/bulk/api';
import { startTestSmtpServer, type TestSmtpServer } from '../support/smtpServer';
import { webApi } from '../support/webApi';
import { openWebApp } from '../support/webSession';
import { startWebPractice, type WebPractice } from '../support/webPractice';

const FAMILIES = 40;
/** Screenshots to look at by eye, outside test-results (which every Playwright run empties). */
const shot = (name: string) => path.join(os.tmpdir(), `fpp-campaign-${name}.png`);
let practice: WebPractice;
let smtp: TestSmtpServer;

test.beforeAll(async () => {
  // The practice system holds the same demo practice as the desk (as after an initial sync).
  practice = await startWebPractice({ families: FAMILIES, tempPrefix: 'fpp-campaign-e2e-', token: 'e2e-token' });
  smtp = await startTestSmtpServer();
  await practice.connect({
    portalUrl: practice.portal.url,
    smtpHost: '127.0.0.1',
    smtpPort: smtp.port,
    smtpSecurity: 'none',
    smtpFrom: 'frontdesk@maplegrove.example',
    // The fastest pace the setting allows, so the whole campaign runs within the test.
    campaignPerHour: 10_000,
  });
  const invoke = webApi(practice.desk.url);
  for (const item of CHECKLIST_ITEMS) await invoke('bulk.setChecklist', { item, answer: true, note: '' });
});
test.afterAll(async () => {
  await practice?.close();
  await smtp?.close();
});

test('the administrator starts the campaign from Bulk PIN, pauses and resumes it, and a parent sets up one account from the email', async ({ page }) => {
  const summary = await webApi(practice.desk.url)<ReadinessSummary>('bulk.readiness', {});
  const guardians = summary.eligibleGuardians;
  expect(guardians).toBeGreaterThan(1);

  await openWebApp(page, practice.desk.url);
  await page.getByRole('button', { name: 'Bulk PIN', exact: true }).click();
  const panel = page.getByRole('region', { name: 'Set Up My Account campaign' });
  await expect(panel).toBeVisible();

  // Starting asks first, saying how many guardians are emailed and at what pace.
  await panel.getByRole('button', { name: 'Start the campaign…' }).click();
  const question = panel.getByRole('group');
  await expect(question).toContainText(
    `${guardians.toLocaleString('en-US')} guardians will be emailed a Set Up My Account link (covering ${summary.eligibleChildren.toLocaleString('en-US')} children), at up to 10,000 emails per hour`,
  );
  // Escape backs out of the question, not out of the screen.
  await page.keyboard.press('Escape');
  await expect(question).toBeHidden();
  await expect(page.getByRole('heading', { level: 1, name: 'Bulk PIN readiness' })).toBeVisible();
  expect(practice.db.prepare('SELECT count(*) FROM campaigns').pluck().get()).toBe(0);

  // From the keyboard: the confirmation button has the focus when the question opens.
  await panel.getByRole('button', { name: 'Start the campaign…' }).click();
  const confirm = panel.getByRole('button', { name: `Email ${guardians} guardians` });
  await expect(confirm).toBeFocused();
  await panel.screenshot({ path: shot('confirm') });
  await page.keyboard.press('Enter');
  await expect(panel.getByText('Sending', { exact: true })).toBeVisible();
  const bar = panel.getByRole('progressbar', { name: 'Set Up My Account emails sent' });
  await expect(bar).toHaveAttribute('aria-valuemax', String(guardians));

  // Pause: the state says so and nothing more is released while it lasts.
  await panel.getByRole('button', { name: 'Pause sending' }).click();
  await expect(panel.getByText('Paused', { exact: true })).toBeVisible();
  await expect(panel.getByText('Paused: nothing more is sent until you resume.')).toBeVisible();
  await panel.screenshot({ path: shot('paused') });
  const releasedWhenPaused = practice.db.prepare(`SELECT count(*) FROM campaign_recipients WHERE state != 'queued'`).pluck().get() as number;
  expect(releasedWhenPaused).toBeLessThan(guardians);
  // Deliveries already released finish; the count of released guardians stays.
  await expect
    .poll(() => practice.db.prepare(`SELECT count(*) FROM outbox WHERE kind LIKE '%setup_link' AND status = 'pending'`).pluck().get(), { timeout: 15_000 })
    .toBe(0);
  expect(practice.db.prepare(`SELECT count(*) FROM campaign_recipients WHERE state != 'queued'`).pluck().get()).toBe(releasedWhenPaused);

  // Resume: the campaign carries on to the end, one email per guardian.
  await panel.getByRole('button', { name: 'Resume sending' }).click();
  await expect(panel.getByText('Finished', { exact: true })).toBeVisible({ timeout: 30_000 });
  await expect(bar).toHaveAttribute('aria-valuenow', String(guardians));
  await expect(panel.getByRole('definition').last()).toHaveText('0');
  await panel.screenshot({ path: shot('finished') });
  expect(smtp.messages).toHaveLength(guardians);
  expect(new Set(smtp.recipients.map((r) => r[0])).size).toBe(guardians);

  // A parent opens the link from their email and creates one account for all of their children.
  const mail = await simpleParser(smtp.messages[0]!);
  const link = /https?:\/\/\S+\/setup\?token=[A-Za-z0-9_-]+/.exec(mail.text ?? '')![0];
  await page.goto(link);
  await expect(page.getByRole('heading', { level: 1, name: 'Set Up My Account' })).toBeVisible();
  const children = await page.locator('.children .child-name').allTextContents();
  expect(children.length).toBeGreaterThan(0);
  await page.getByLabel('Password').fill('a long parent password');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'My Account' })).toBeVisible();
  for (const child of children) await expect(page.getByRole('list').getByText(child)).toBeVisible();
  expect(practice.portal.accounts()).toHaveLength(1);
});
