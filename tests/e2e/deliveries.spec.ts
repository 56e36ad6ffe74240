import BetterSqlite3 from 'better-sqlite3';
import { simpleParser } from 'mailparser';
import { expect, test, type Page } from '@playwright/test';
import { formatUsDate, localDateIn } from '../../shared/domain/dates';
import { demoScenarioFamilies } from '../../electron/main/demo/demoPractice';
import { pinsIn, printToText } from '../support/pdf';
import { startPortal, type PortalServer } from '../support/portal/server';
import { startTestSmtpServer, type TestSmtpServer } from '../support/smtpServer';
import { makeTempDir } from '../support/tempDir';
import { signInOnWeb } from '../support/signIn';
import { webApi } from '../support/webApi';
import { startWebApp } from '../support/webApp';
import { openWebApp } from '../support/webSession';

const FAMILIES = 120;
let temp: ReturnType<typeof makeTempDir>;
let portal: PortalServer;
let smtp: TestSmtpServer;
let desk: Awaited<ReturnType<typeof startWebApp>>;
let db: BetterSqlite3.Database;

test.beforeAll(async () => {
  temp = makeTempDir('fpp-deliveries-');
  const today = localDateIn(new Date(), Intl.DateTimeFormat().resolvedOptions().timeZone);
  // The practice system holds the same demo practice as the desk (as after an initial sync).
  portal = await startPortal({ dbFile: temp.file('portal.sqlite'), token: 'e2e-token', seedDemo: { families: FAMILIES, today, now: new Date() } });
  smtp = await startTestSmtpServer();
  desk = await startWebApp({ demoFamilies: FAMILIES, env: { FPP_OUTBOX_POLL_MS: '300' } });
  const invoke = webApi(desk.url);
  // The administrator sets the practice up; the desk then works as the demo clerk.
  await signInOnWeb(desk.url, 'admin');
  await invoke('settings.update', { changes: { syncUrl: portal.url, smtpHost: '127.0.0.1', smtpPort: smtp.port, smtpSecurity: 'none', smtpFrom: 'frontdesk@maplegrove.example' } });
  await invoke('secrets.set', { key: 'syncToken', value: 'e2e-token' });
  await signInOnWeb(desk.url, 'demo');
  // The first pull: the desk now knows the practice system answers (online).
  await invoke('sync.now', {});
  db = new BetterSqlite3(desk.databaseFile, { readonly: true });
});
test.afterAll(async () => {
  db?.close();
  await desk?.stop();
  await portal?.close();
  await smtp?.close();
  temp?.remove();
});

type Kid = { id: string; first_name: string; last_name: string; date_of_birth: string; chart_number: string };
const kids = (familyId: string) =>
  db.prepare('SELECT id, first_name, last_name, date_of_birth, chart_number FROM patients WHERE family_id = ? ORDER BY date_of_birth').all(familyId) as Kid[];

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
  const familyId = demoScenarioFamilies(db)['siblings-3'][0]!;
  const children = kids(familyId);
  const guardian = db
    .prepare(`SELECT c.email FROM patient_contacts pc JOIN contacts c ON c.id = pc.contact_id WHERE pc.patient_id = ? AND pc.sort = 1`)
    .pluck()
    .get(children[0]!.id) as string;
  await openWebApp(page, desk.url);
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
  await parent.goto(`${portal.url}/register`);
  await parent.getByLabel('Email address').fill(guardian);
  await parent.getByLabel('Password').fill('a long family password');
  await parent.getByLabel("Child's date of birth").fill(formatUsDate(emailedChild.date_of_birth));
  await parent.getByLabel('PIN').fill(emailedPins[0]!.toLowerCase().replaceAll('-', ' '));
  await parent.getByRole('button', { name: 'Create account' }).click();
  for (const [childId, pin] of printed) {
    const child = children.find((k) => k.id === childId)!;
    await parent.getByRole('link', { name: /I'd like to add another child|Add child\/dependent/ }).first().click();
    await parent.getByLabel("Child's date of birth").fill(formatUsDate(child.date_of_birth));
    await parent.getByLabel('PIN').fill(pin);
    await parent.getByRole('button', { name: 'Add child' }).click();
  }
  await parent.goto(`${portal.url}/account`);
  for (const child of children) await expect(parent.getByText(`${child.first_name} ${child.last_name}`)).toBeVisible();
  const accounts = portal.accounts();
  expect(accounts).toHaveLength(1);
  expect([...accounts[0]!.childPatientIds].sort()).toEqual(children.map((k) => k.id).sort());
  await parent.close();
});

test('during an outage the desk still issues and prints; every item is delivered once when the portal is back', async ({ page }) => {
  const familyId = demoScenarioFamilies(db)['siblings-3'][1]!;
  const children = kids(familyId);
  const before = { enrollments: portal.enrollments().length, emails: smtp.messages.length };
  portal.setFault('down');
  // The desk finds out (a pull fails) before the clerk prints.
  await expect(webApi(desk.url)('sync.now', {})).rejects.toThrow();
  await openWebApp(page, desk.url);
  const { text } = await issueAndPrint(page, children[0]!);
  expect(pinsIn(text)).toHaveLength(2);
  expect(text).toContain('This PIN may not work for a few minutes, until our office sends it to the portal.');
  await expect(page.getByRole('button', { name: /^4 waiting/ })).toBeVisible({ timeout: 20_000 });
  await expect(page.getByText(/^Offline/)).toBeVisible({ timeout: 20_000 });

  portal.setFault('none');
  await expect(page.getByRole('button', { name: /^0 waiting/ })).toBeVisible({ timeout: 30_000 });
  expect(portal.enrollments().length - before.enrollments).toBe(3);
  expect(smtp.messages.length - before.emails).toBe(1);
  const mine = portal.enrollments().filter((e) => children.some((k) => k.id === e.patientId));
  expect(new Set(mine.map((e) => e.pinId)).size).toBe(mine.length);
});
