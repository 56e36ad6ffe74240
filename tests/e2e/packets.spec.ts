import { expect, test, type Page } from '@playwright/test';
import { printToText } from '../support/pdf';
import { useDemoPractice } from '../support/demoPractice';
import { openWebApp } from '../support/webSession';

/** Issue 12: the parent's paper. One packet per account owner, in their language, with the right steps. */
const demo = useDemoPractice(test, 120);

/** Search a chart number, open the family's wizard, plan with defaults, issue; the print step shows. */
async function issueFamily(page: Page, familyId: string) {
  const chart = demo.db.prepare('SELECT chart_number FROM patients WHERE family_id = ? ORDER BY chart_number LIMIT 1').pluck().get(familyId) as string;
  await openWebApp(page, demo.web.url);
  await page.keyboard.press('/');
  await page.getByRole('searchbox', { name: 'Search patients' }).fill(chart);
  await page.getByRole('searchbox', { name: 'Search patients' }).press('Enter');
  await page.getByRole('button', { name: 'Portal PINs for this family' }).press('Enter');
  await page.getByRole('button', { name: /^Continue: plan/ }).press('Enter');
  await page.getByRole('button', { name: /^Issue \d+ PINs?/ }).press('Enter');
  await expect(page.getByRole('region', { name: 'Issued' })).toBeVisible();
}

const guardianOf = (patientId: string) =>
  demo.db
    .prepare(
      `SELECT c.first_name || ' ' || c.last_name AS name, c.email FROM patient_contacts pc JOIN contacts c ON c.id = pc.contact_id WHERE pc.patient_id = ? AND pc.sort = 1`,
    )
    .get(patientId) as { name: string; email: string | null };

test('a blended family gets one packet per account owner, each naming only that parent', async ({ page }) => {
  const familyId = demo.scenarios.blended[0]!;
  const kids = demo.kids(familyId);
  const owners = [...new Map(kids.map((k) => [guardianOf(k.id).name, guardianOf(k.id)])).values()];
  expect(owners).toHaveLength(2);
  await issueFamily(page, familyId);
  await expect(page.getByText(/^2 packets, one for each parent:/)).toBeVisible();
  for (const owner of owners)
    await expect(page.getByRole('button', { name: new RegExp(`^Print the packet for ${owner.name} \\(\\d pages\\)$`) })).toBeVisible();

  const { text } = await printToText(page);
  const covers = text.split('\f').filter((p) => /Patient portal PINs for the/.test(p));
  expect(covers).toHaveLength(2);
  for (const cover of covers) {
    const named = owners.filter((o) => cover.includes(`For ${o.name}`));
    expect(named).toHaveLength(1);
    const other = owners.find((o) => o !== named[0])!;
    expect(cover).not.toContain(other.name);
    if (other.email) expect(cover).not.toContain(other.email);
  }
});

test("a Spanish-speaking guardian's packet is printed in Spanish, dates day first", async ({ page }) => {
  const familyId = demo.db
    .prepare(
      `SELECT p.family_id FROM patients p JOIN patient_contacts pc ON pc.patient_id = p.id AND pc.sort = 1 JOIN contacts c ON c.id = pc.contact_id
       WHERE c.language = 'es' AND p.family_id IN (${demo.scenarios['siblings-2'].map(() => '?').join(',')}) LIMIT 1`,
    )
    .pluck()
    .get(...demo.scenarios['siblings-2']) as string;
  expect(familyId).toBeTruthy();
  await issueFamily(page, familyId);
  const { text } = await printToText(page);
  const [, y, m, d] = /^(\d{4})-(\d\d)-(\d\d)$/.exec(demo.kids(familyId)[0]!.date_of_birth)!;
  expect(text).toContain('PIN del portal de pacientes para la familia');
  expect(text).toContain('Cómo usar este PIN');
  expect(text).toContain(`Fecha de nacimiento: ${d}/${m}/${y}`);
  expect(text).toContain('¿Preguntas? Llame a Maple Grove Pediatrics (demo) al (555) 010-2400.');
  expect(text).not.toContain('How to use this PIN');
});

test('print-only (no email on file): the first slip creates the account, and no Welcome email is promised', async ({ page }) => {
  const familyId = demo.scenarios['no-email'].find((id) => demo.kids(id).filter((k) => k.status === 'Active').length >= 2)!;
  await issueFamily(page, familyId);
  const { text } = await printToText(page);
  const slips = text.split('\f').filter((p) => p.includes('Keep this slip safe'));
  expect(slips.length).toBeGreaterThanOrEqual(2);
  expect(slips[0]).toContain('Make your portal account with this PIN');
  for (const slip of slips.slice(1)) expect(slip).not.toContain('Make your portal account with this PIN');
  expect(text).not.toContain('Welcome email');
  expect(text).toContain('No email will come.');
});

test("a jammed slip: Replace this child's PIN from the family page, with a reason, prints one new slip and leaves the others alone", async ({ page }) => {
  const familyId = demo.scenarios['siblings-3'][1]!;
  await issueFamily(page, familyId);
  const kid = demo.kids(familyId).find((k) => demo.db.prepare(`SELECT delivery FROM pins WHERE patient_id = ?`).pluck().get(k.id) === 'print')!;
  const before = demo.db.prepare('SELECT count(*) FROM pins WHERE patient_id IN (SELECT id FROM patients WHERE family_id = ?)').pluck().get(familyId) as number;

  await page.keyboard.press('Escape'); // back to the family page
  const card = page.getByRole('listitem', { name: `${kid.first_name} ${kid.last_name}`, exact: true });
  await card.getByRole('button', { name: 'Replace this child’s PIN…' }).click();
  const reason = page.getByLabel(`Replace ${kid.first_name}’s PIN. Reason (recorded):`);
  await expect(reason).toBeFocused();
  await expect(page.getByRole('button', { name: /^Issue/ })).toBeDisabled();
  await reason.fill('Slip jammed in the printer');
  await page.getByRole('button', { name: 'Issue 1 PIN' }).click();
  await expect(page.getByRole('button', { name: /^Print packet \(2 pages\)/ })).toBeVisible();
  expect(demo.db.prepare('SELECT count(*) FROM pins WHERE patient_id IN (SELECT id FROM patients WHERE family_id = ?)').pluck().get(familyId)).toBe(before + 1);
  expect(demo.db.prepare(`SELECT replace_reason FROM pins WHERE patient_id = ? AND replaces_pin_id IS NOT NULL`).pluck().get(kid.id)).toBe(
    'Slip jammed in the printer',
  );
});
