import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';
import { openDatabase, type OpenedDatabase } from '../../electron/main/db/open';
import { seedDemoPractice } from '../../electron/main/demo/demoPractice';
import { DEFAULT_FHIR_MAPPING_CONFIG } from '../../shared/fhir/mappingConfig';
import { SmartAuth } from '../support/fhir/smartAuth';
import { ROSTER_GROUP_ID, seedFhirFromMirror } from '../support/fhir/seed';
import { startFhirServer, type FhirServer } from '../support/fhir/server';
import { signInOnWeb } from '../support/signIn';
import { makeTempDir } from '../support/tempDir';
import { startWebApp, type WebApp } from '../support/webApp';
import { openWebApp } from '../support/webSession';

/**
 * Issue 15, as the practice sees it: the administrator connects an empty desk to the EHR's FHIR
 * server (the FHIR test server behind its SMART token endpoint), registers the desk's public key
 * there, and runs the first load with its progress in the status bar; a clerk then issues PINs to
 * a family that came from it.
 */

const CLIENT = 'maple-grove-front-desk';
const TODAY = new Date().toISOString().slice(0, 10);

let temp: ReturnType<typeof makeTempDir>;
let demo: OpenedDatabase;
let fhir: FhirServer;
let web: WebApp;
let auth: SmartAuth;
let filesAsked = 0;
let releaseFiles: () => void = () => undefined;
const filesReleased = new Promise<void>((resolve) => {
  releaseFiles = resolve;
});

test.beforeAll(async () => {
  temp = makeTempDir('fpp-e2e-fhir-');
  demo = await openDatabase(temp.file('ehr.sqlite'));
  seedDemoPractice(demo.sqlite, { today: TODAY, now: new Date(), families: 60 });
  auth = new SmartAuth();
  fhir = await startFhirServer({
    retryAfterSeconds: 0,
    resourcesPerFile: 100,
    routes: async (req, url, body) => {
      // The second export file waits until the test has seen the load's progress in the status bar.
      if (url.pathname.includes('/$export-file/') && ++filesAsked === 2) await filesReleased;
      return auth.route(req, url, body);
    },
    authorize: (req, url) => auth.authorizeRequest(req, url),
  });
  await seedFhirFromMirror(fhir.repo, demo.sqlite, { ...DEFAULT_FHIR_MAPPING_CONFIG, timeZone: 'America/New_York' });
  web = await startWebApp({ demoFamilies: 0 });
  await signInOnWeb(web.url, 'admin');
});

test.afterAll(async () => {
  releaseFiles();
  await web?.stop();
  await fhir?.close();
  await demo?.close();
  temp?.remove();
});

test.setTimeout(120_000);

test('the administrator connects to the EHR over FHIR, registers the key and loads the practice; a clerk issues a family from it', async ({
  page,
  context,
}) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await openWebApp(page, web.url);
  await page.getByRole('button', { name: 'Settings' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible();
  // The FHIR fields appear once FHIR is chosen.
  await expect(page.getByLabel('FHIR base address')).toHaveCount(0);
  await page.getByLabel('Fill the mirror from').selectOption('fhir');
  await page.getByLabel('FHIR base address').fill(fhir.baseUrl);
  await page.getByLabel('Client id').fill(CLIENT);
  await page.getByLabel('Group id').fill(ROSTER_GROUP_ID);
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved.' })).toBeVisible();

  // The desk's public key, copied for the EHR's administrator.
  const jwksField = page.getByRole('textbox', { name: 'Public key (JWKS)' });
  await expect(jwksField).toHaveValue(/"kty": "EC"/);
  const jwks = await jwksField.inputValue();
  expect(jwks).not.toContain('"d"');
  // The FHIR settings and the key panel pass axe like every screen (accessibility.spec.ts).
  const { violations } = await new AxeBuilder({ page }).analyze();
  expect(violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`)).toEqual([]);
  await page.getByRole('button', { name: 'Copy JWKS' }).click();
  await expect(page.getByText('Copied.')).toBeVisible();
  expect(await page.evaluate('navigator.clipboard.readText()')).toBe(jwks);
  // Before the key is registered, the EHR refuses it: the administrator is told what to do.
  await page.getByRole('button', { name: 'Sync now' }).click();
  await expect(page.getByRole('alert')).toContainText('did not accept this desk’s key for client id “maple-grove-front-desk”');
  // Registered with the EHR (npm run fhir:dev prints this request), then the first load.
  const registered = await fetch(`${fhir.url}/auth/clients`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ clientId: CLIENT, jwks: JSON.parse(jwks) }),
  });
  expect(registered.status).toBe(201);
  await page.getByRole('button', { name: 'Sync now' }).click();
  await expect(page.getByRole('status', { name: 'Status' })).toContainText(/Syncing: [\d,]+ rows, about [\d,]+ left/, { timeout: 15_000 });
  releaseFiles();
  await expect(page.locator('#sync-now-result')).toContainText(/^Pulled [\d,]+ rows in [\d,]+ pages?/, { timeout: 30_000 });
  await expect(page.getByText('Families come from the EHR’s household groups.')).toBeVisible();
  await expect(page.getByRole('status', { name: 'Status' })).not.toContainText('Last sync: never');

  // A clerk issues PINs to a family the load brought in.
  await signInOnWeb(web.url, 'demo');
  const chart = demo.sqlite
    .prepare(
      `SELECT p.chart_number FROM patients p WHERE p.status = 'Active' AND p.family_id IN
         (SELECT family_id FROM patients GROUP BY family_id HAVING count(*) >= 2) ORDER BY p.chart_number LIMIT 1`,
    )
    .pluck()
    .get() as string;
  await openWebApp(page, web.url);
  await page.keyboard.press('/');
  await page.getByRole('searchbox', { name: 'Search patients' }).fill(chart);
  await page.getByRole('searchbox', { name: 'Search patients' }).press('Enter');
  await page.getByRole('button', { name: 'Portal PINs for this family' }).press('Enter');
  await page.getByRole('button', { name: /^Continue: plan/ }).press('Enter');
  await page.getByRole('button', { name: /^Issue \d+ PINs?/ }).press('Enter');
  await expect(page.getByRole('region', { name: 'Issued' })).toBeVisible();
});
