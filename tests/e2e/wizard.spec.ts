import { expect, test, type Page } from '@playwright/test';
import { formatUsDate } from '../../shared/domain/dates';
import { verifyPin } from '../../shared/domain/pin';
import { pinsIn, printToText } from '../support/pdf';
import { useDemoPractice } from '../support/demoPractice';
import { openWebApp } from '../support/webSession';

const demo = useDemoPractice(test);
const { kids, familyName } = demo;

/** Counts what the clerk does: clicks and submitting key presses (typing in a field counts once). */
function clerk(page: Page) {
  let actions = 0;
  return {
    get actions() {
      return actions;
    },
    async click(locator: ReturnType<Page['locator']>) {
      actions += 1;
      await locator.click();
    },
    async press(key: string) {
      actions += 1;
      await page.keyboard.press(key);
    },
    async type(locator: ReturnType<Page['locator']>, text: string) {
      actions += 1;
      await locator.fill(text);
    },
  };
}

test('three siblings go from the check-in list to a printed packet in a few clerk actions', async ({ page }) => {
  const familyId = demo.scenarios['siblings-3'][0]!;
  const [ana, luis, sofia] = kids(familyId);
  const guardian = demo.db
    .prepare(`SELECT c.id, c.email FROM patient_contacts pc JOIN contacts c ON c.id = pc.contact_id WHERE pc.patient_id = ? AND pc.sort = 1`)
    .get(ana!.id) as { id: string; email: string };
  await openWebApp(page, demo.web.url);
  const desk = clerk(page);

  await desk.click(page.getByRole('option', { name: new RegExp(`^\\d\\d:\\d\\d ${familyName(familyId)} family, 3 children`) }).first());
  await expect(page.getByRole('heading', { name: `Portal PINs: ${familyName(familyId)} family` })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Continue: plan 3 PINs' })).toBeFocused();
  await desk.press('Enter');

  // The plan, in a sentence, before anything is issued.
  const sentence = page.locator('.plan-sentence').first();
  await expect(sentence).toContainText(`(${guardian.email}) receives the Welcome email with`);
  await expect(sentence).toContainText('are printed for');
  await expect(page.getByRole('button', { name: /^Issue 3 PINs and queue 1 Welcome email$/ })).toBeFocused();
  await desk.press('Enter');

  const print = page.getByRole('button', { name: /^Print packet/ });
  await expect(print).toBeFocused();
  await expect(print).toBeEnabled();
  await desk.press('Enter');
  expect(desk.actions).toBeLessThanOrEqual(6);

  // The outbox: one Welcome email, for the first child, to the eligible Primary Contact.
  const batch = demo.db.prepare(`SELECT batch_id FROM pins WHERE patient_id = ?`).pluck().get(ana!.id) as string;
  const emails = demo.db.prepare(`SELECT payload FROM outbox WHERE kind = 'email.welcome' AND json_extract(payload, '$.batchId') = ?`).all(batch) as {
    payload: string;
  }[];
  expect(emails).toHaveLength(1);
  const email = JSON.parse(emails[0]!.payload);
  expect(email.to).toBe(guardian.email);
  expect(email.recipientContactId).toBe(guardian.id);
  const emailed = demo.db.prepare(`SELECT patient_id FROM pins WHERE batch_id = ? AND delivery = 'email'`).pluck().all(batch) as string[];
  expect(emailed).toHaveLength(1);
  expect(email.childFirstName).toBe(kids(familyId).find((k) => k.id === emailed[0])!.first_name);

  // The printed packet, read back from the PDF: both printed PINs, both dates of birth, the portal, both instructions.
  await expect(page.getByRole('img', { name: /QR code/ }).first()).toBeVisible();
  const { text, pages } = await printToText(page);
  const printedKids = [ana!, luis!, sofia!].filter((k) => k.id !== emailed[0]);
  for (const kid of printedKids) {
    expect(text).toContain(`${kid.first_name} ${kid.last_name}`);
    expect(text).toContain(formatUsDate(kid.date_of_birth));
  }
  expect(text).toContain('portal.maplegrove-demo.example');
  expect(text).toContain('I’d like to add another child');
  expect(text).toContain('My Account > Add child/dependent');
  // The demo has no practice system connected: the slips say the PIN may take a while to work.
  expect(text).toContain('may not work for a few minutes, until our office sends it to the portal');
  expect(text).toContain('Questions? Call Maple Grove Pediatrics (demo) at (555) 010-2400.');
  expect(pages).toBe(3); // cover sheet and one slip per printed child

  const printedPins = pinsIn(text);
  expect(printedPins).toHaveLength(2);
  const hashes = demo.db.prepare(`SELECT pin_hash FROM pins WHERE batch_id = ? AND delivery = 'print'`).pluck().all(batch) as string[];
  for (const pin of printedPins) {
    const matches = await Promise.all(hashes.map((hash) => verifyPin(pin, hash)));
    expect(matches.filter(Boolean)).toHaveLength(1);
  }
  // "Printed" is recorded once the print dialog has closed (afterprint), not when Print was pressed.
  await expect(page.getByRole('status').filter({ hasText: 'Sent to the printer.' })).toBeVisible();
  expect(demo.db.prepare(`SELECT count(*) FROM audit_log WHERE action = 'pin_printed' AND json_extract(details, '$.batchId') = ?`).pluck().get(batch)).toBe(2);
});

test('a "Baby Girl" sibling is named in the review and issued in the same pass', async ({ page }) => {
  const familyId = demo.scenarios['baby-girl'][1] ?? demo.scenarios['baby-girl'][0]!;
  const baby = kids(familyId).find((k) => /^Baby (Girl|Boy)$/.test(k.first_name))!;
  await openWebApp(page, demo.web.url);
  await page.keyboard.press('/');
  await page.getByRole('searchbox', { name: 'Search patients' }).fill(baby.chart_number);
  await page.getByRole('searchbox', { name: 'Search patients' }).press('Enter');
  await page.getByRole('button', { name: 'Portal PINs for this family' }).press('Enter');

  const card = page.getByRole('listitem', { name: `${baby.first_name} ${baby.last_name}`, exact: true });
  await expect(card).toContainText('Blocked: fix first');
  await card.getByLabel('Given name').fill('Elena');
  await card.getByRole('button', { name: 'Save name' }).click();
  const renamed = page.getByRole('listitem', { name: `Elena ${baby.last_name}`, exact: true });
  await expect(renamed).toContainText('Eligible');

  await page.getByRole('button', { name: /^Continue: plan/ }).click();
  await page.getByRole('button', { name: /^Issue \d+ PINs?/ }).click();
  await expect(page.getByRole('button', { name: /^Print packet/ })).toBeVisible();
  expect(demo.db.prepare(`SELECT count(*) FROM pins WHERE patient_id = ?`).pluck().get(baby.id)).toBe(1);
  expect(demo.db.prepare(`SELECT first_name FROM patients WHERE id = ?`).pluck().get(baby.id)).toBe('Elena');
  expect(demo.db.prepare(`SELECT count(*) FROM audit_log WHERE action = 'name_corrected' AND patient_id = ?`).pluck().get(baby.id)).toBe(1);
});

test('a double click on Issue issues one set, and the family page offers the reprint', async ({ page }) => {
  const familyId = demo.scenarios['siblings-2'][0]!;
  const [first] = kids(familyId);
  await openWebApp(page, demo.web.url);
  await page.keyboard.press('/');
  await page.getByRole('searchbox', { name: 'Search patients' }).fill(first!.chart_number);
  await page.getByRole('searchbox', { name: 'Search patients' }).press('Enter');
  await page.getByRole('button', { name: 'Portal PINs for this family' }).click();
  await page.getByRole('button', { name: /^Continue: plan/ }).click();
  await page.getByRole('button', { name: /^Issue \d+ PINs?/ }).dblclick();
  await expect(page.getByRole('button', { name: /^Print packet/ })).toBeVisible();
  const count = demo.db.prepare(`SELECT count(*) FROM pins WHERE patient_id IN (SELECT id FROM patients WHERE family_id = ?)`).pluck().get(familyId);
  expect(count).toBe(kids(familyId).length);

  await page.getByRole('button', { name: 'Done: back to check-in' }).click();
  await page.keyboard.press('/');
  await page.getByRole('searchbox', { name: 'Search patients' }).fill(first!.chart_number);
  await page.getByRole('searchbox', { name: 'Search patients' }).press('Enter');
  await page.getByRole('button', { name: 'Reprint packet' }).first().click();
  await expect(page.getByRole('heading', { name: /^Reprint:/ })).toBeVisible();
  const { text } = await printToText(page);
  expect(pinsIn(text)).toHaveLength(kids(familyId).length - 1);
});
