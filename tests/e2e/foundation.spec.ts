import { expect, test, type Page } from '@playwright/test';
import { useDemoPractice } from '../support/demoPractice';
import { openWebApp, webSession } from '../support/webSession';

const demo = useDemoPractice(test);
const { kids, familyName } = demo;

/** Opens a family the way a clerk would: type its chart number from anywhere, Enter. */
async function openFamilyByChart(page: Page, chartNumber: string) {
  await page.keyboard.press('/');
  const search = page.getByRole('searchbox', { name: 'Search patients' });
  await search.fill(chartNumber);
  await expect(page.getByRole('listbox', { name: 'Search results' }).getByRole('option')).toHaveCount(1);
  await search.press('Enter');
  await expect(page.getByRole('heading', { level: 1 })).toContainText('family');
}

const card = (page: Page, name: string) => page.getByRole('listitem', { name, exact: true });

test('the check-in list, search and the family review show each child’s verdict', async ({ page }) => {
  await openWebApp(page, demo.web.url);

  // Check-in: today's families, grouped, with the number of children.
  const checkin = page.getByRole('listbox', { name: 'Families checking in today' });
  await expect(checkin.getByRole('option').first()).toBeVisible();
  await expect(page.getByText(/\d+ families/)).toBeVisible();
  const threeKids = demo.scenarios['siblings-3'][0]!;
  await expect(checkin.getByRole('option', { name: new RegExp(`${familyName(threeKids)} family, 3 children`) }).first()).toBeVisible();

  // Search: typing a child's first letters anywhere finds them.
  const [eldest] = kids(threeKids);
  await page.keyboard.type(eldest!.first_name.slice(0, 3));
  const search = page.getByRole('searchbox', { name: 'Search patients' });
  await expect(search).toHaveValue(eldest!.first_name.slice(0, 3));
  await search.pressSequentially(` ${eldest!.last_name.slice(0, 3)}`);
  await expect(
    page
      .getByRole('listbox', { name: 'Search results' })
      .getByRole('option', { name: new RegExp(`${eldest!.first_name} ${eldest!.last_name}`) })
      .first(),
  ).toBeVisible();
  await page.keyboard.press('Escape');

  // A newborn still named "Baby Girl" (or "Baby Boy") is blocked, with the reason.
  const babyFamily = kids(demo.scenarios['baby-girl'][0]!);
  const baby = babyFamily.find((k) => /^Baby (Girl|Boy)$/.test(k.first_name))!;
  await openFamilyByChart(page, baby.chart_number);
  const babyCard = card(page, `${baby.first_name} ${baby.last_name}`);
  await expect(babyCard).toContainText('Blocked: fix first');
  await expect(babyCard).toContainText(`still "${baby.first_name}"`);

  // The patient at the Minor Age Limit is excluded: registers on their own account.
  const atLimitFamily = kids(demo.scenarios['at-minor-limit'][0]!);
  const eighteen = atLimitFamily[0]!;
  await openFamilyByChart(page, eighteen.chart_number);
  const eighteenCard = card(page, `${eighteen.first_name} ${eighteen.last_name}`);
  await expect(eighteenCard).toContainText('Excluded');
  await expect(eighteenCard).toContainText('age 18');
  await expect(eighteenCard).toContainText('registers on their own account');

  // A Deceased sibling is excluded, and the family's eligible Primary Contact is marked.
  const deceasedFamily = kids(demo.scenarios['deceased-sibling'][0]!);
  const deceased = deceasedFamily.find((k) => k.status === 'Deceased')!;
  await openFamilyByChart(page, deceased.chart_number);
  const deceasedCard = card(page, `${deceased.first_name} ${deceased.last_name}`);
  await expect(deceasedCard).toContainText('Excluded');
  await expect(deceasedCard).toContainText('Deceased');
  await expect(page.getByRole('row').filter({ hasText: '✔ Eligible Primary Contact' }).first()).toBeVisible();

  // The Portal column ticked on a contact without authority who does not live there: not eligible.
  const flagged = demo.db
    .prepare(
      `SELECT c.first_name || ' ' || c.last_name AS name, p.chart_number FROM patient_contacts pc
         JOIN contacts c ON c.id = pc.contact_id JOIN patients p ON p.id = pc.patient_id
        WHERE p.family_id = ? AND pc.portal_flag = 1 AND pc.resides_with = 0 AND coalesce(pc.authority, 'None') = 'None' LIMIT 1`,
    )
    .get(demo.scenarios['portal-flag-only'][0]!) as { name: string; chart_number: string };
  await openFamilyByChart(page, flagged.chart_number);
  const flaggedRow = page.getByRole('row').filter({ hasText: flagged.name });
  await expect(flaggedRow.first()).toContainText('ticked (ignored)');
  await expect(flaggedRow.first()).not.toContainText('Eligible Primary Contact');
  await expect(page.getByRole('row').filter({ hasText: '✔ Eligible Primary Contact' }).first()).toBeVisible();
});

test('web mode refuses API calls without the launch’s session or from another origin', async ({ request }) => {
  const api = new URL('/api/invoke', demo.web.url).href;
  const noToken = await request.post(api, { data: { name: 'checkin.today', input: {} } });
  expect(noToken.status()).toBe(401);
  const { header: cookie } = await webSession(demo.web.url);
  const foreign = await request.post(api, {
    data: { name: 'checkin.today', input: {} },
    headers: { cookie, origin: 'http://evil.example' },
  });
  expect(foreign.status()).toBe(403);
  const good = await request.post(api, { data: { name: 'checkin.today', input: {} }, headers: { cookie } });
  expect(good.status()).toBe(200);
  expect((await good.json()).ok).toBe(true);
});
