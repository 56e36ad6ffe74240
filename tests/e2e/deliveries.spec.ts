import { simpleParser } from 'mailparser';
import { expect, test, type Page } from '@playwright/test';
import { formatUsDate } from '../../shared/domain/dates';
import { demoScenarioFamilies } from '../../electron/main/demo/demoPractice';
import { pinsIn, printToText } from '../support/pdf';
import { startTestSmtpServer, type TestSmtpServer } from '../support/smtpServer';
import { signInOnWeb } from '../support/signIn';
import { webApi } from '../support/webApi';
import { openWebApp } from '../support/webSession';
import { startWebPractice, type Kid, type WebPractice } from '../support/webPractice';

const FAMILIES = 120;
let practice: WebPractice;
let smtp: TestSmtpServer;

test.beforeAll(async () => {
  // The practice system holds the same demo practice as the desk (as after an initial sync).
  practice = await startWebPractice({ families: FAMILIES, tempPrefix: 'fpp-deliveries-', token: 'e2e-token' });
  smtp = await startTestSmtpServer();
  // The administrator sets the practice up; the desk then works as the demo clerk.
  await practice.connect({ smtpHost: '127.0.0.1', smtpPort: smtp.port, smtpSecurity: 'none', smtpFrom: 'frontdesk@maplegrove.example' });
  await signInOnWeb(practice.desk.url, 'demo');
  // The first pull: the desk now knows the practice system answers (online).
  await webApi(practice.desk.url)('sync.now', {});
});
test.afterAll(async () => {
  await practice?.close();
  await smtp?.close();
});

const kids = (familyId: string) => practice.kids(familyId);

/** From any screen: find the family by a child's chart number, plan with defaults, issue, print. */
async function issueAndPrint(page: Page, kid: Kid) {
  await page.keyboard.press('/');
  await page.getByRole('searchbox', { name: 'Search patients' }).fill(kid.chart_number);
  await page.getByRole('searchbox', { name: 'Search patients' }).press('Enter');
  await page.getByRole('button', { name: 'Portal PINs for this family' }).click();
  await page.getByRole('button', { name: /^Continue: plan/ }).click();
  await page.getByRole('button', { name: /^Issue \d+ PINs/ }).click();
  await expect(page.getByRole('button', { name: /^Print packet/ })).toBeEnabled();
  await page.getByRole('button', { name: /^Print packet/ }).press('Enter');
  return printToText(page);
}

/** PIN per child name, read slip by slip from the printed packet. */
function pinsByChild(text: string, children: Kid[]): Map<string, string> {
  const result = new Map<string, string>();
  for (const pageText of text.split('\f')) {
    const pins = pinsIn(pageText);
    const child = children.find((k) => pageText.includes(`${k.first_name} ${k.last_name}`) && /portal pin/i.test(pageText));
    if (pins.length === 1 && child) result.set(child.id, pins[0]!);
  }
  return result;
}

test('a family’s PINs reach the portal and the parent, who ends up with one account for all three children', async ({ page, browser }) => {
  const familyId = demoScenarioFamilies(practice.db)['siblings-3'][0]!;
  const children = kids(familyId);
  const guardian = practice.db
    .prepare(`SELECT c.email FROM patient_contacts pc JOIN contacts c ON c.id = pc.contact_id WHERE pc.patient_id = ? AND pc.sort = 1`)
    .pluck()
    .get(children[0]!.id) as string;
  await openWebApp(page, practice.desk.url);
  const { text } = await issueAndPrint(page, children[0]!);
  const printed = pinsByChild(text, children);
  expect(printed.size).toBe(2);
  // Online, the portal has the PINs within seconds: no slip tells the parent to wait.
  expect(text).not.toContain('may not work');

  // The outbox drains on its own: the status bar says so.
  await expect(page.getByRole('button', { name: /^0 waiting/ })).toBeVisible({ timeout: 20_000 });
  await expect(page.getByText('Online', { exact: true })).toBeVisible();
  expect(smtp.messages).toHaveLength(1);
  expect(smtp.recipients[0]).toEqual([guardian]);
  const email = await simpleParser(smtp.messages[0]!);
  const emailedPins = pinsIn(email.text ?? '');
  expect(emailedPins).toHaveLength(1);
  const emailedChild = children.find((k) => !printed.has(k.id))!;
  expect(email.text).toContain(emailedChild.first_name);

  // The parent, at home: create the account with the emailed PIN, then add the printed ones.
  const parent = await browser.newPage();
  await parent.goto(`${practice.portal.url}/register`);
  await parent.getByLabel('Email address').fill(guardian);
  await parent.getByLabel('Password').fill('a long family password');
  await parent.getByLabel("Child's date of birth").fill(formatUsDate(emailedChild.date_of_birth));
  await parent.getByLabel('PIN').fill(emailedPins[0]!.toLowerCase().replaceAll('-', ' '));
  await parent.getByRole('button', { name: 'Create account' }).click();
  for (const [childId, pin] of printed) {
    const child = children.find((k) => k.id === childId)!;
    await parent
      .getByRole('link', { name: /I'd like to add another child|Add child\/dependent/ })
      .first()
      .click();
    await parent.getByLabel("Child's date of birth").fill(formatUsDate(child.date_of_birth));
    await parent.getByLabel('PIN').fill(pin);
    await parent.getByRole('button', { name: 'Add child' }).click();
  }
  await parent.goto(`${practice.portal.url}/account`);
  for (const child of children) await expect(parent.getByText(`${child.first_name} ${child.last_name}`)).toBeVisible();
  const accounts = practice.portal.accounts();
  expect(accounts).toHaveLength(1);
  expect([...accounts[0]!.childPatientIds].sort()).toEqual(children.map((k) => k.id).sort());
  await parent.close();
});

test('during an outage the desk still issues and prints; every item is delivered once when the portal is back', async ({ page }) => {
  const familyId = demoScenarioFamilies(practice.db)['siblings-3'][1]!;
  const children = kids(familyId);
  const before = { enrollments: practice.portal.enrollments().length, emails: smtp.messages.length };
  practice.portal.setFault('down');
  // The desk finds out (a pull fails) before the clerk prints.
  await expect(webApi(practice.desk.url)('sync.now', {})).rejects.toThrow();
  await openWebApp(page, practice.desk.url);
  const { text } = await issueAndPrint(page, children[0]!);
  expect(pinsIn(text)).toHaveLength(2);
  expect(text).toContain('This PIN may not work for a few minutes, until our office sends it to the portal.');
  await expect(page.getByRole('button', { name: /^4 waiting/ })).toBeVisible({ timeout: 20_000 });
  await expect(page.getByText(/^Offline/)).toBeVisible({ timeout: 20_000 });

  practice.portal.setFault('none');
  await expect(page.getByRole('button', { name: /^0 waiting/ })).toBeVisible({ timeout: 30_000 });
  expect(practice.portal.enrollments().length - before.enrollments).toBe(3);
  expect(smtp.messages.length - before.emails).toBe(1);
  const mine = practice.portal.enrollments().filter((e) => children.some((k) => k.id === e.patientId));
  expect(new Set(mine.map((e) => e.pinId)).size).toBe(mine.length);
});
