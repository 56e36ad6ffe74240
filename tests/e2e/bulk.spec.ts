import { existsSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import type { EligibleGuardian, ReadinessSummary, WorklistRow } from '../../shared/bulk/api';
import { useDemoPractice } from '../support/demoPractice';
import { signInOnWeb } from '../support/signIn';
import { webApi } from '../support/webApi';
import { openWebApp } from '../support/webSession';

const demo = useDemoPractice(test);
// Bulk PIN is for administrators: the demo administrator signs in (the demo opens as its clerk).
test.beforeAll(() => signInOnWeb(demo.web.url, 'admin'));

/** Numbers as the screen writes them: 1,234. */
const shown = (n: number) => n.toLocaleString('en-US');

/** Opens Bulk PIN readiness from the top bar ("exact": the screen also has "Export Bulk PIN file"). */
async function openReadiness(page: Page) {
  await page.getByRole('button', { name: 'Bulk PIN', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Bulk PIN readiness' })).toBeVisible();
}

/** One number of the readiness summary, by the words of its row. */
const summaryValue = (page: Page, row: RegExp) => page.getByRole('table', { name: 'Bulk PIN summary' }).getByRole('row', { name: row }).getByRole('cell');

/** The bar of one exclusion reason: its count, as text. */
const exclusionCount = (page: Page, reason: string) =>
  page
    .getByRole('table', { name: /Children left out, by reason/ })
    .getByRole('row', { name: new RegExp(`^${reason}`) })
    .getByRole('cell');

type Invoke = ReturnType<typeof webApi>;

/** The guardian among everyone who would get the Bulk PIN email, read page by page through the contract. */
async function eligibleGuardian(api: Invoke, contactId: string): Promise<EligibleGuardian | undefined> {
  for (let offset = 0; ; offset += 1000) {
    const page = await api<{ guardians: EligibleGuardian[]; total: number }>('bulk.eligible', { limit: 1000, offset });
    const found = page.guardians.find((g) => g.contactId === contactId);
    if (found || offset + 1000 >= page.total) return found;
  }
}

test('readiness shows the practice’s counts and exclusions, records checklist answers and exports files', async ({ page }) => {
  const api = webApi(demo.web.url);
  const summary = await api<ReadinessSummary>('bulk.readiness', {});
  const excluded = (reason: string) => summary.exclusions.find((e) => e.reason === reason)?.count ?? 0;
  // The demo practice has families in each of these situations.
  expect(summary.eligibleGuardians).toBeGreaterThan(0);
  expect(excluded('no_email')).toBeGreaterThan(0);
  expect(excluded('primary_without_authority')).toBeGreaterThan(0);

  await openWebApp(page, demo.web.url);
  await openReadiness(page);

  // The same numbers as the contract gives.
  await expect(summaryValue(page, /^Eligible guardians/)).toHaveText(shown(summary.eligibleGuardians));
  await expect(summaryValue(page, /^Eligible children/)).toHaveText(shown(summary.eligibleChildren));
  await expect(summaryValue(page, /^Data-quality rows to fix/)).toHaveText(shown(summary.openQualityRows));
  await expect(page.getByRole('rowheader', { name: /^Data-quality rows to fix/ })).toContainText(`${shown(summary.openQualityChildren)} children`);
  await expect(page.getByText(/computed in [\d,]+ ms/)).toBeVisible();

  // The exclusions chart names each reason in words, with its count.
  await expect(exclusionCount(page, 'Primary Contact has no usable email address')).toHaveText(shown(excluded('no_email')));
  await expect(exclusionCount(page, 'Primary Contact without authority and not living with the child')).toHaveText(
    shown(excluded('primary_without_authority')),
  );

  // A checklist answer is saved at once and says who gave it; the checklist is not ready with one Yes.
  await expect(summaryValue(page, /^Practice checklist/)).toHaveText('Not ready: 0 of 4 answered Yes');
  const portal = page.getByRole('group', { name: 'Portal fully live' });
  await portal.getByRole('radio', { name: 'Yes' }).check();
  await expect(portal).toHaveAccessibleDescription(/Answered Yes by .+ on /);
  await expect(summaryValue(page, /^Practice checklist/)).toHaveText('Not ready: 1 of 4 answered Yes');
  const stored = await api<ReadinessSummary>('bulk.readiness', {});
  expect(stored.checklist.find((a) => a.item === 'portal_fully_live')?.answer).toBe(true);

  // An export says how many rows went where, and the file is there.
  await page.getByRole('button', { name: 'Export exclusions report' }).click();
  const note = page.getByRole('main').getByRole('status');
  await expect(note).toHaveText(/^Saved [\d,]+ rows? to .+\.csv$/);
  const file = /^Saved [\d,]+ rows? to (.+)$/.exec((await note.textContent()) ?? '')![1]!;
  expect(existsSync(file)).toBe(true);
  await expect(page.getByRole('main').getByRole('alert')).toHaveCount(0);
});

test('the worklist lists a guardian once with their children; one Fix from the keyboard makes all of them eligible', async ({ page }) => {
  const api = webApi(demo.web.url);
  const before = await api<ReadinessSummary>('bulk.readiness', {});

  // A Primary Contact without email of two or more children, from the demo's 'no-email' families, on the first page of that filter.
  const noEmailFamilies = new Set(demo.scenarios['no-email']);
  const familyOf = demo.db.prepare('SELECT family_id FROM patients WHERE id = ?').pluck();
  const firstPage = await api<{ rows: WorklistRow[]; total: number; children: number }>('bulk.worklist', { problem: 'missing_email', limit: 100, offset: 0 });
  expect(firstPage.children).toBeGreaterThan(firstPage.total); // guardians with several children are one row each
  const target = firstPage.rows.find(
    (r) => r.contactId !== null && r.contact !== null && r.children.length >= 2 && noEmailFamilies.has(familyOf.get(r.children[0]!.patientId) as string),
  );
  expect(target, 'a no-email guardian of several children on the first page of the missing-email worklist').toBeDefined();
  const row = target!;
  const guardianName = `${row.contact!.firstName} ${row.contact!.lastName}`.trim();
  // Not eligible yet: the guardian has no email.
  expect(await eligibleGuardian(api, row.contactId!)).toBeUndefined();
  expect(firstPage.rows.filter((r) => r.contactId === row.contactId)).toHaveLength(1);

  await openWebApp(page, demo.web.url);
  await openReadiness(page);
  await expect(summaryValue(page, /^Eligible children/)).toHaveText(shown(before.eligibleChildren));
  await page.getByRole('button', { name: 'Open the data-quality worklist' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Data-quality worklist' })).toBeVisible();
  await page.getByLabel('Show rows with').selectOption('missing_email');
  await expect(
    page.getByText(new RegExp(`of ${shown(firstPage.total)} \\(guardians, and patients with no Primary Contact\\) · ${shown(firstPage.children)} children`)),
  ).toBeVisible();

  const list = page.getByRole('list', { name: 'Rows with email missing' });
  const listed = list.getByRole('listitem', { name: `${guardianName}, Primary Contact of ${row.children.length} children`, exact: true });
  await expect(listed).toHaveCount(1);
  for (const child of row.children)
    await expect(listed.getByRole('list', { name: `Children of ${guardianName}` })).toContainText(`${child.patientName} Chart ${child.chartNumber}`);
  await expect(listed.getByRole('list', { name: 'Problems' })).toContainText('Email address is missing');

  // From the keyboard: the row takes the focus, Enter opens its one Fix on the flagged email field; type the address, Enter.
  await listed.focus();
  await page.keyboard.press('Enter');
  const email = listed.getByLabel('Email', { exact: true });
  await expect(email).toBeFocused();
  await email.fill(`bulk-fix-${row.contactId!.replace(/[^A-Za-z0-9]/g, '').slice(-12)}@example.org`);
  await email.press('Enter');

  await expect(page.getByRole('main').getByRole('status')).toContainText(`Saved ${guardianName}’s details, for their ${row.children.length} children.`);
  await expect(page.getByRole('main').getByRole('alert')).toHaveCount(0);
  await expect(listed).toHaveCount(0);

  // Through the contract: the guardian now gets the Bulk PIN email, for their eligible children.
  const after = await api<ReadinessSummary>('bulk.readiness', {});
  const guardian = await eligibleGuardian(api, row.contactId!);
  expect(guardian).toBeDefined();
  expect(guardian!.children.length).toBeGreaterThanOrEqual(2);
  expect(after.eligibleGuardians).toBe(before.eligibleGuardians + 1);
  expect(after.openQualityRows).toBe(before.openQualityRows - 1);
  expect(after.openQualityChildren).toBe(before.openQualityChildren - row.children.length);
  expect(after.eligibleChildren).toBe(before.eligibleChildren + guardian!.children.length);

  // Back on readiness (Esc), the screen counts afresh and shows the new numbers.
  await page.keyboard.press('Escape');
  await expect(page.getByRole('heading', { level: 1, name: 'Bulk PIN readiness' })).toBeVisible();
  await expect(summaryValue(page, /^Eligible children/)).toHaveText(shown(after.eligibleChildren));
  await expect(summaryValue(page, /^Eligible guardians/)).toHaveText(shown(after.eligibleGuardians));
});
