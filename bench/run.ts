/**
 * `npm run bench` (`npm run bench -- --quick`: 20,000 patients, for development): builds a 200,000-patient mirror in a temporary file and prints, side by side,
 * the indexed search against a naive LIKE '%q%' scan, and the family load, as p50/p95 latencies.
 * Targets (issue 2): search p95 < 5 ms, family load p95 < 2 ms on a 2-core machine.
 * Then, on the same mirror: planning and issuing a 5-child family end to end in the main process
 * (target p95 < 20 ms, printing excluded), with the PIN hashing on its own beside it, and the
 * packet rendered to PDF by Chromium through the real renderer (web mode, in-process server).
 * Last (issue 4, bench/syncBench.ts): the initial pull of the same practice from the reference
 * portal in a child process beside a direct SQLite load, and the outbox draining 1,000 queued
 * enrollments, each with the main process's event-loop delay (target max <= 50 ms).
 * Then (issue 6, bench/auditBench.ts): the audit log's hash chain verified over 1,000,000 rows, and
 * chained append throughput.
 * Issue 14 (bench/deskLoad.ts, bench/targets.ts): the desk under load, the clerk's calls while each
 * heavy job runs, and every target of issue 14 as a row at the end.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { FamilyView, IssuedBatch } from '../shared/api';
import { createApp } from '../electron/main/app';
import { demoScenarioFamilies } from '../electron/main/demo/demoPractice';
import { startWebServer } from '../electron/main/web/server';
import { formatUsDate } from '../shared/domain/dates';
import { generatePin, hashPin, PIN_HASH_ITERATIONS } from '../shared/domain/pin';
import { NO_CHOICES, planFamilyPins } from '../shared/domain/plan';
import { planInputsFromFamily } from '../shared/planInputs';
import { makeTempDir } from '../tests/support/tempDir';
import { ms, okValue, percentile, printTable, summarize, timeEach, type Timing } from './stats';
import { DEFAULT_SEARCH_LIMIT, searchPatients } from '../electron/main/search/searchService';
import { copyMirrorFile, runSyncBench } from './syncBench';
import { benchFhir, startFhirChild } from './fhirBench';
import { benchBulk } from './bulk';
import { benchImport } from './importBench';
import { benchAudit } from './auditBench';
import { deskQuiet, printDeskTable, repeatFor, underLoad, type DeskInputs } from './deskLoad';
import { printTargets, recordTarget } from './targets';
import { lap, mark, printSections } from './sections';
import { invalidateBulkSnapshot } from '../electron/main/bulk/snapshot';
import { invalidateBulkPicture } from '../electron/main/bulk/pictureCache';

const QUICK = process.argv.includes('--quick') || process.env.BENCH_QUICK === '1';
if (QUICK) {
  process.env.BENCH_PATIENTS ??= '20000';
  process.env.BENCH_AUDIT_ROWS ??= '100000';
}
const PATIENTS = Number(process.env.BENCH_PATIENTS ?? 200_000);
/** Audit rows added to the bench mirror for the desk-under-load row of audit verification. */
const DESK_AUDIT_ROWS = Number(process.env.BENCH_DESK_AUDIT_ROWS ?? (QUICK ? 50_000 : 300_000));
/** How long the clerk works the quiet desk (the first row of the desk-under-load table). */
const QUIET_SECONDS = 4;
const NOW = new Date('2026-11-22T15:00:00Z');

// The FHIR test server seeds its practice in a child process (about a minute of one core at
// 200,000 patients) while this one builds its mirror on the other core: nothing is measured until
// both are done (bench/fhirBench.ts uses it in its own section).
const fhirBesideBuild = !process.env.FPP_BENCH_SKIP_FHIR;
const fhirServer = fhirBesideBuild ? startFhirChild(PATIENTS) : undefined;
fhirServer?.catch(() => undefined); // its failure is reported where it is used
const temp = makeTempDir('fpp-bench-');
const startBuild = performance.now();
const app = await createApp({ databaseFile: temp.file('bench.sqlite'), demo: { patients: PATIENTS }, now: () => NOW });
const buildSeconds = (performance.now() - startBuild) / 1000;
mark('demo mirror built (createApp)');
const { sqlite } = app.context;
// The reference portal of the sync rows holds this same practice: a copy of the mirror as built,
// instead of the portal child seeding it again (bench/syncBench.ts).
const portalFile = process.env.FPP_BENCH_SKIP_SYNC ? undefined : temp.file('portal-copy.sqlite');
if (portalFile) {
  await copyMirrorFile(sqlite, portalFile);
  mark('mirror copied for the portal');
}
if (fhirServer !== undefined) {
  await fhirServer.catch(() => undefined);
  mark('waiting for the FHIR server seeding beside it');
}
lap(`demo mirror built (${PATIENTS.toLocaleString('en-US')} patients)${fhirBesideBuild ? '; the FHIR server seeded beside it' : ''}`);
const counts = sqlite.prepare('SELECT (SELECT count(*) FROM patients) p, (SELECT count(*) FROM contacts) c, (SELECT count(*) FROM search_terms) t').get() as {
  p: number;
  c: number;
  t: number;
};

// ---- the query mix: drawn from the data at fixed strides, so every run asks the same things ----
type Sample = { first_name: string; last_name: string; date_of_birth: string | null; chart_number: string; email: string | null; mobile_phone: string | null };
const samples = sqlite
  .prepare(
    `SELECT p.first_name, p.last_name, p.date_of_birth, p.chart_number, c.email, c.mobile_phone
       FROM patients p LEFT JOIN patient_contacts pc ON pc.patient_id = p.id AND pc.sort = 1
       LEFT JOIN contacts c ON c.id = pc.contact_id
      WHERE p.rowid % ? = 0 LIMIT 100`,
  )
  .all(Math.max(1, Math.floor(counts.p / 100))) as Sample[];

const kinds: Record<string, string[]> = {
  'name prefix (3 letters)': samples.map((s) => s.last_name.slice(0, 3)),
  'first + last prefix': samples.map((s) => `${s.first_name.slice(0, 2)} ${s.last_name.slice(0, 4)}`),
  'date of birth': samples.filter((s) => s.date_of_birth).map((s) => formatUsDate(s.date_of_birth!)),
  'chart number': samples.map((s) => s.chart_number),
  'phone fragment (last 4)': samples.filter((s) => s.mobile_phone).map((s) => s.mobile_phone!.replace(/\D/g, '').slice(-4)),
  'guardian email prefix': samples.filter((s) => s.email).map((s) => s.email!.slice(0, 6)),
};

// The naive alternative: a LIKE '%q%' scan over the same fields, same page size.
const naive = sqlite.prepare(
  `SELECT DISTINCT p.id FROM patients p
     LEFT JOIN patient_contacts pc ON pc.patient_id = p.id
     LEFT JOIN contacts c ON c.id = pc.contact_id
    WHERE p.first_name LIKE @q OR p.last_name LIKE @q OR p.chart_number LIKE @q OR p.date_of_birth LIKE @q
       OR c.first_name LIKE @q OR c.last_name LIKE @q OR c.email LIKE @q OR c.mobile_phone LIKE @q
    LIMIT 26`,
);
function naiveTerm(text: string): string {
  const us = /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(text);
  return `%${us ? `${us[3]}-${us[1]}-${us[2]}` : text.split(' ').at(-1)}%`;
}

const LIKE_QUERIES = 12;
const rows: (string | number)[][] = [];
const all: { indexed: Timing; naive: Timing }[] = [];
for (const [kind, queries] of Object.entries(kinds)) {
  const indexed = await timeEach(queries, (text) => app.invoke('search.patients', { text }));
  // A LIKE scan reads every row whatever is asked, so its time barely varies: 12 queries give its p50
  // and p95 as well as 30 did (a comparison, not a target); 2 scans before them warm the cache as
  // well as 12 did (each reads the same rows).
  const scan = await timeEach(queries.slice(0, LIKE_QUERIES), (text) => naive.all({ q: naiveTerm(text) }), 2);
  all.push({ indexed, naive: scan });
  rows.push([kind, indexed.n, ms(indexed.p50), ms(indexed.p95), ms(scan.p50), ms(scan.p95), `${(scan.p95 / indexed.p95).toFixed(0)}x`]);
  recordTarget(`search p95: ${kind}`, `${ms(indexed.p95)} ms`, '< 1 ms', indexed.p95 < 1);
}
mark('search through the contract, and LIKE scans');
// Issue 14: the same queries with and without the pair terms (searchPatients called directly, both
// ways interleaved query by query, so the machine's load falls on both alike).
{
  const compare: (string | number)[][] = [];
  for (const [kind, queries] of Object.entries(kinds)) {
    const before: number[] = [];
    const after: number[] = [];
    for (const text of queries.slice(0, 20)) {
      await searchPatients(app.context, text, DEFAULT_SEARCH_LIMIT, false);
      await searchPatients(app.context, text);
    }
    for (let round = 0; round < 3; round++) {
      for (const text of queries) {
        let start = performance.now();
        await searchPatients(app.context, text, DEFAULT_SEARCH_LIMIT, false);
        before.push(performance.now() - start);
        start = performance.now();
        await searchPatients(app.context, text);
        after.push(performance.now() - start);
      }
    }
    const b = [...before].sort((x, y) => x - y);
    const a = [...after].sort((x, y) => x - y);
    compare.push([kind, a.length, ...[b, a].flatMap((s) => [50, 95, 99].map((p) => ms(percentile(s, p))))]);
  }
  printTable(
    "Search: longest word's range alone (before) against pair terms for two words (after), same mirror, interleaved, 3 rounds (ms; searchPatients direct)",
    ['query kind', 'n', 'before p50', 'p95', 'p99', 'after p50', 'p95', 'p99'],
    compare,
  );
}
mark('search before/after pair terms, 3 rounds');
const allQueries = Object.values(kinds).flat();
const overall = await timeEach(allQueries, (text) => app.invoke('search.patients', { text }));

const familyIds = sqlite.prepare('SELECT id FROM families WHERE rowid % 97 = 0 LIMIT 500').pluck().all() as string[];
const family = await timeEach(familyIds, (familyId) => app.invoke('family.load', { familyId }));
mark('family load');
lap('search and family load');

console.log(
  `Mirror: ${counts.p.toLocaleString()} patients, ${counts.c.toLocaleString()} contacts, ${counts.t.toLocaleString()} search terms; built in ${buildSeconds.toFixed(1)} s${fhirBesideBuild ? ' (the FHIR test server seeding beside it, in a child process)' : ''}`,
);
printTable('Search through the contract (ms)', ['query kind', 'n', 'p50', 'p95', 'LIKE p50', 'LIKE p95', 'LIKE/idx p95'], rows);
printTable(
  'Summary (ms)',
  ['measure', 'n', 'p50', 'p95', 'max', 'target p95', 'met'],
  [
    ['search, all kinds', overall.n, ms(overall.p50), ms(overall.p95), ms(overall.max), '< 1', overall.p95 < 1 ? 'yes' : 'NO'],
    ['family load (children, contacts, verdicts)', family.n, ms(family.p50), ms(family.p95), ms(family.max), '< 1', family.p95 < 1 ? 'yes' : 'NO'],
  ],
);
recordTarget('family load p95', `${ms(family.p95)} ms`, '< 1 ms', family.p95 < 1);
// ---- issuing a 5-child family, end to end in the main process (printing excluded) ----------

/** What the renderer sends from the plan step: the planned children, no choice changed. */
function issueRequest(family: FamilyView) {
  const { children, contacts } = planInputsFromFamily(family);
  const plan = planFamilyPins(children, contacts, NO_CHOICES);
  const expectedPatientIds = plan.guardians.flatMap((g) => g.children.map((c) => c.patientId));
  return { plan, request: { batchId: randomUUID(), familyId: family.familyId, choices: NO_CHOICES, expectedPatientIds, reviewToken: family.reviewToken } };
}

const ISSUE_FAMILIES = 30;
const scenarios = demoScenarioFamilies(sqlite);
const issueFamilies = scenarios['siblings-5'].slice(0, ISSUE_FAMILIES);
// The same pass without PINs prepared while the plan is read, on families of their own (issuing a family twice is not the same work).
const unpreparedFamilies = scenarios['siblings-5'].slice(ISSUE_FAMILIES, 2 * ISSUE_FAMILIES);
let issueSource = `'siblings-5' families`;
if (issueFamilies.length < ISSUE_FAMILIES) {
  // A small mirror has too few: top up with any family whose plan issues at least 5 PINs.
  const chosen = new Set(issueFamilies);
  const candidates = sqlite
    .prepare('SELECT family_id FROM patients WHERE family_id IS NOT NULL GROUP BY family_id HAVING count(*) >= 5 ORDER BY family_id LIMIT 5000')
    .pluck()
    .all() as string[];
  for (const familyId of candidates) {
    if (issueFamilies.length >= ISSUE_FAMILIES) break;
    if (chosen.has(familyId)) continue;
    const family = okValue<FamilyView>(await app.invoke('family.load', { familyId }), 'family.load');
    if (issueRequest(family).plan.pinCount >= 5) issueFamilies.push(familyId);
  }
  issueSource = `families: ${scenarios['siblings-5'].length} 'siblings-5' + others with >= 5 PINs`;
}

/** The clerk reading the plan: far shorter than a person takes, long enough for 5 hashes on this machine. */
const READING_MS = 150;

/**
 * One clerk pass minus the screens: load the family, plan as the renderer does (which asks main to
 * prepare the PINs while the plan is read), issue. The reading time is not in the figure: the
 * clerk's Enter on Issue is where the wait starts.
 */
async function loadAndIssue(familyId: string, prepare = true) {
  const start = performance.now();
  const family = okValue<FamilyView>(await app.invoke('family.load', { familyId }), 'family.load');
  const loaded = performance.now();
  const { request, plan } = issueRequest(family);
  const planned = performance.now();
  if (prepare) {
    okValue(await app.invoke('pins.prepare', { batchId: request.batchId, count: plan.pinCount }), 'pins.prepare');
    await new Promise((resolve) => setTimeout(resolve, READING_MS));
  }
  const issuing = performance.now();
  const batch = okValue<IssuedBatch>(await app.invoke('pins.issue', request), 'pins.issue');
  const done = performance.now();
  return { familyId, batch, total: loaded - start + (done - issuing), load: loaded - start, issue: done - issuing, plan: planned - loaded };
}

// Warm-up on families outside the measured set (issuing twice to one family is not the same work).
for (const familyId of scenarios['siblings-4'].slice(0, 3)) await loadAndIssue(familyId);

const loopDelay = monitorEventLoopDelay({ resolution: 1 });
loopDelay.enable();
const issued: Awaited<ReturnType<typeof loadAndIssue>>[] = [];
for (const familyId of issueFamilies) issued.push(await loadAndIssue(familyId));
loopDelay.disable();
const unprepared: Awaited<ReturnType<typeof loadAndIssue>>[] = [];
for (const familyId of unpreparedFamilies) unprepared.push(await loadAndIssue(familyId, false));

const pinCounts = [...new Set(issued.map((r) => r.batch.guardians.reduce((n, g) => n + g.children.length, 0)))].sort((a, b) => a - b);
const endToEnd = summarize(issued.map((r) => r.total));
const loadPart = summarize(issued.map((r) => r.load));
const issuePart = summarize(issued.map((r) => r.issue));
const pinSets = Array.from({ length: ISSUE_FAMILIES }, () => Array.from({ length: 5 }, () => generatePin()));
const hashing = await timeEach(pinSets, (pins) => Promise.all(pins.map((pin) => hashPin(pin))));

/** A one-row commit under a given synchronous mode: how much of a commit is the disk's fsync. */
function commitCost(mode: 'FULL' | 'NORMAL'): Timing {
  const write = sqlite.prepare(`INSERT OR REPLACE INTO sync_state (key, value) VALUES ('bench_probe', ?)`);
  sqlite.pragma(`synchronous = ${mode}`);
  const samples: number[] = [];
  for (let i = 0; i < 30; i++) {
    const start = performance.now();
    sqlite.transaction(() => write.run(String(i)))();
    samples.push(performance.now() - start);
  }
  sqlite.pragma('synchronous = FULL');
  return summarize(samples);
}
const commitFull = commitCost('FULL');
const commitNormal = commitCost('NORMAL');

const timingCells = (t: Timing) => [t.n, ms(t.p50), ms(t.p95), ms(t.max)];
printTable(
  `Plan + issue a family, main process, printing excluded (ms; ${issued.length} ${issueSource}; ${pinCounts.join('/')} PINs each)`,
  ['measure', 'n', 'p50', 'p95', 'max', 'target p95', 'met'],
  [
    ['family.load + pins.issue, PINs prepared while the plan is read', ...timingCells(endToEnd), '< 15', endToEnd.p95 < 15 ? 'yes' : 'NO'],
    ['  of which family.load (with the enrollment state and review digest)', ...timingCells(loadPart), '', ''],
    ['  of which pins.issue (review check, re-plan, prepared PINs checked, transaction)', ...timingCells(issuePart), '', ''],
    [`family.load + pins.issue, nothing prepared (${unprepared.length} other families)`, ...timingCells(summarize(unprepared.map((r) => r.total))), '', ''],
    ['  of which pins.issue (hashes made at issue time)', ...timingCells(summarize(unprepared.map((r) => r.issue))), '', ''],
    [`5 x hashPin in parallel, alone (PBKDF2-SHA-256, ${PIN_HASH_ITERATIONS.toLocaleString()} iterations)`, ...timingCells(hashing), '', ''],
    ['one-row commit, synchronous=FULL (fsync; as the app runs)', ...timingCells(commitFull), '', ''],
    ['one-row commit, synchronous=NORMAL (no fsync; comparison only)', ...timingCells(commitNormal), '', ''],
  ],
);
recordTarget(
  `plan + issue of a ${pinCounts.join('/')}-PIN family p95 (PINs prepared while the plan is read)`,
  `${ms(endToEnd.p95)} ms`,
  '< 15 ms',
  endToEnd.p95 < 15,
);
console.log(
  `Event-loop delay in the main process during the issue loop: max ${ms(loopDelay.max / 1e6)} ms, p99 ${ms(loopDelay.percentile(99) / 1e6)} ms ` +
    `(informative; ${os.availableParallelism()} CPUs, libuv pool ${process.env.UV_THREADPOOL_SIZE ?? 4})`,
);

// ---- issue 14: the clerk's desk, quiet (the base of the desk-under-load table) ----------------

const desk: DeskInputs = {
  searches: allQueries,
  familyIds,
  // From the other end of the list than the drain's issuing (bench/syncBench.ts), so neither runs out.
  issueFamilyIds: sqlite.prepare('SELECT id FROM families ORDER BY id DESC LIMIT 5000').pluck().all() as string[],
};
await deskQuiet(app, desk, QUIET_SECONDS);
lap('plan + issue; the quiet desk');

// ---- the packet rendered to PDF by Chromium, through the real renderer ----------------------

const PRINT_BATCHES = 10;
const rendererDir = path.resolve(import.meta.dirname, '../out/renderer');
const chromiumPath = process.env.FPP_CHROMIUM;

/** Page count of a PDF: pdfinfo when installed, else the page objects counted. */
function pdfPages(pdf: Buffer): number {
  const file = temp.file('packet.pdf');
  fs.writeFileSync(file, pdf);
  try {
    const info = execFileSync('pdfinfo', [file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const pages = /Pages:\s+(\d+)/.exec(info);
    if (pages) return Number(pages[1]);
  } catch {
    // no pdfinfo: count below
  }
  return pdf.toString('latin1').match(/\/Type\s*\/Page(?![s\w])/g)?.length ?? 0;
}

async function printPackets(executablePath: string): Promise<void> {
  const { chromium } = await import('@playwright/test');
  const server = await startWebServer({ app, rendererDir });
  const browser = await chromium.launch({
    executablePath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const page = await browser.newPage();
    await page.goto(server.openUrl);
    await page.getByRole('navigation', { name: 'Screens' }).waitFor();
    const renders: number[] = [];
    const screens: number[] = [];
    const pages: number[] = [];
    let cold = { render: NaN, pages: 0 };
    // The first packet warms Chromium up (fonts, layout code) and is reported on its own line.
    for (const [i, { familyId, batch }] of issued.slice(0, PRINT_BATCHES + 1).entries()) {
      const chart = sqlite.prepare('SELECT chart_number FROM patients WHERE family_id = ? ORDER BY chart_number LIMIT 1').pluck().get(familyId) as string;
      await page.emulateMedia({ media: 'screen' });
      const opening = performance.now();
      await page.keyboard.press('/');
      const search = page.getByRole('searchbox', { name: 'Search patients' });
      await search.fill(chart);
      await search.press('Enter');
      await page.getByRole('button', { name: 'Reprint packet' }).first().click();
      await page.getByRole('heading', { name: `Reprint: ${batch.familyName} family`, exact: true }).waitFor();
      await page
        .getByRole('img', { name: /QR code/ })
        .first()
        .waitFor();
      // As tests/support/pdf.ts: fonts and the QR image in before printing (a string: no DOM types here).
      await page.evaluate(`Promise.all([document.fonts.ready, ...[...document.images].map((img) => img.decode().catch(() => undefined))])`);
      const screenMs = performance.now() - opening;
      await page.emulateMedia({ media: 'print' });
      const printing = performance.now();
      const pdf = await page.pdf({ format: 'Letter', preferCSSPageSize: true });
      const renderMs = performance.now() - printing;
      if (i === 0) {
        cold = { render: renderMs, pages: pdfPages(pdf) };
      } else {
        renders.push(renderMs);
        screens.push(screenMs);
        pages.push(pdfPages(pdf));
      }
    }
    const render = summarize(renders);
    const screen = summarize(screens);
    const pageRange = pages.length === 0 ? '' : Math.min(...pages) === Math.max(...pages) ? String(pages[0]) : `${Math.min(...pages)}-${Math.max(...pages)}`;
    printTable(
      `Packet to PDF in Chromium ${browser.version()} (ms; real renderer in web mode, print media, Letter)`,
      ['measure', 'n', 'p50', 'p95', 'max', 'pages/packet'],
      [
        ['page.pdf per packet', ...timingCells(render), pageRange],
        ['  first packet, cold (not in the row above)', 1, ms(cold.render), '', '', String(cold.pages)],
        ['reprint screen ready (search, family, Reprint, QR; Playwright-driven)', ...timingCells(screen), ''],
      ],
    );
  } finally {
    await browser.close();
    await server.close();
  }
}

if (process.env.FPP_BENCH_SKIP_PDF) {
  console.log(`\nPacket to PDF in Chromium: skipped (${process.env.FPP_BENCH_SKIP_PDF}).`);
} else if (!chromiumPath || !fs.existsSync(chromiumPath)) {
  console.log('\nPacket to PDF in Chromium: skipped, no Chromium found (set FPP_CHROMIUM to its path; `npm run bench` looks for one).');
} else if (!fs.existsSync(path.join(rendererDir, 'index.html'))) {
  console.log('\nPacket to PDF in Chromium: skipped, the renderer is not built (out/renderer; `npm run bench` builds it).');
} else {
  try {
    await printPackets(chromiumPath);
  } catch (error) {
    console.log(`\nPacket to PDF in Chromium: FAILED: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
lap('packet to PDF');

// ---- issue 4: the initial pull from the reference portal, and draining queued enrollments --

let direct: Awaited<ReturnType<typeof runSyncBench>> = null;
if (process.env.FPP_BENCH_SKIP_SYNC) {
  console.log(`\nSync rows (issue 4): skipped (${process.env.FPP_BENCH_SKIP_SYNC}).`);
} else {
  direct = await runSyncBench(app, { patients: PATIENTS, now: NOW, desk, portalFile });
}
lap('sync: pull and drain');

// ---- issue 15: the first load over FHIR ($export from npm run fhir:dev) beside the direct insert ----

if (process.env.FPP_BENCH_SKIP_FHIR) console.log(`\nFHIR row (issue 15): skipped (${process.env.FPP_BENCH_SKIP_FHIR}).`);
else await benchFhir({ patients: PATIENTS, desk, server: fhirServer, direct });
lap('FHIR first load');

// ---- issue 5: Bulk PIN eligibility and the data-quality worklist over the same mirror; import ----

if (process.env.FPP_BENCH_SKIP_BULK) console.log(`\nBulk PIN rows (issue 5): skipped (${process.env.FPP_BENCH_SKIP_BULK}).`);
else {
  await benchBulk(app);
  mark('benchBulk (passes, screen calls, export)');
  // The desk while Bulk PIN readiness is worked out from scratch, as the administrator's screen asks for it.
  await underLoad('Bulk PIN job: eligibility + worklist (bulk.readiness, cold, in a worker; repeated 3 s)', app, desk, () =>
    repeatFor(3, async () => {
      invalidateBulkSnapshot(sqlite);
      invalidateBulkPicture(sqlite);
      await app.handlers['bulk.readiness']({});
    }),
  );
}
mark('the desk during bulk.readiness');
lap('Bulk PIN; the desk during eligibility + worklist');
if (process.env.FPP_BENCH_SKIP_IMPORT) console.log(`\nImport rows (issue 5): skipped (${process.env.FPP_BENCH_SKIP_IMPORT}).`);
else await benchImport(desk, sqlite);
lap('import');

// ---- issue 14: the desk while the audit chain is verified (the bench mirror's log, grown) ----

{
  const fill = sqlite.prepare(
    `INSERT INTO audit_log (at, clerk_id, workstation, action, patient_id, details) VALUES (?, NULL, 'bench', 'pin_printed', NULL, ?)`,
  );
  for (let done = 0; done < DESK_AUDIT_ROWS; done += 10_000) {
    sqlite.transaction(() => {
      for (let i = done; i < Math.min(DESK_AUDIT_ROWS, done + 10_000); i++)
        fill.run(new Date(NOW.getTime() + i).toISOString(), JSON.stringify({ batchId: `b-${i}`, pinId: `pin-${i}` }));
    })();
  }
  const logRows = sqlite.prepare('SELECT count(*) FROM audit_log').pluck().get() as number;
  mark(`audit rows added (${DESK_AUDIT_ROWS.toLocaleString('en-US')})`);
  await underLoad(`audit verify (audit.verify, ${logRows.toLocaleString('en-US')} rows)`, app, desk, () => app.handlers['audit.verify']({}));
}
lap('the desk during audit verify');

// ---- issue 6: the audit log's hash chain, verified over 1,000,000 rows; chained appends ----

if (process.env.FPP_BENCH_SKIP_AUDIT) console.log(`\nAudit rows (issue 6): skipped (${process.env.FPP_BENCH_SKIP_AUDIT}).`);
else await benchAudit();
lap('audit log');

printDeskTable();
printTargets(
  `${PATIENTS.toLocaleString('en-US')} patients${QUICK ? ', --quick' : ''}; ${os.availableParallelism()} CPUs; load average ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(', ')}`,
);

printSections(12 * 60);

console.log(
  `\nMain-process memory after the run: ${(process.memoryUsage().rss / 1024 / 1024).toFixed(0)} MiB RSS; ` +
    `whole bench ${((performance.now() - startBuild) / 1000).toFixed(0)} s`,
);

await app.close();
temp.remove();
