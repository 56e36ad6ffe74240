/**
 * The desk under load (issue 14): a paced clerk works the desk through the app's own dispatch
 * (`app.invoke`, as the renderer's calls arrive) while a heavy job runs, started through the
 * entry point the app itself uses (syncNow, import.apply, bulk.readiness, audit.verify, the outbox
 * worker's drain). Nothing here knows where a job runs: when a job moves into a worker thread, the
 * same rows show the difference.
 *
 * The clerk, two loops on the main event loop:
 *  - lookups: a search every SEARCH_EVERY_MS, and a family load every second turn;
 *  - issuing: load a family, plan it as the renderer does, ask main to prepare the PINs, read the
 *    plan for READING_MS, issue. The figure is family.load + pins.issue (the reading is the
 *    clerk's, not the app's), as in the "Plan + issue" table.
 * Desk write wait: how much longer pins.issue took during the job than its quiet median, i.e. the
 * time the issue's write waited behind the job (the event loop, the connection lock or the file).
 * Event-loop max: monitorEventLoopDelay and a 5 ms timer's longest gap, the larger.
 */
import { randomUUID } from 'node:crypto';
import { monitorEventLoopDelay, PerformanceObserver, performance } from 'node:perf_hooks';
import type { FamilyView, Result } from '../shared/api';
import { NO_CHOICES, planFamilyPins } from '../shared/domain/plan';
import { planInputsFromFamily } from '../shared/planInputs';
import type { App } from '../electron/main/app';
import { ms, percentile, printTable } from './stats';
import { recordTarget } from './targets';

/** What the clerk asks: search texts, families to look at, and families to issue (in order, skipping any with nothing to issue). */
export interface DeskInputs {
  searches: readonly string[];
  familyIds: readonly string[];
  issueFamilyIds: readonly string[];
}

export const DESK_P99_TARGET_MS = 20;
export const LOOP_MAX_TARGET_MS = 50;
export const WRITE_WAIT_TARGET_MS = 100;

const SEARCH_EVERY_MS = 20;
const READING_MS = 150;
/** Times the clerk looks again at a family whose contacts have not arrived yet, before moving on. */
const WAIT_FOR_CONTACTS = 100;

interface Sample {
  at: number;
  ms: number;
}

interface DeskSamples {
  search: Sample[];
  family: Sample[];
  /** family.load + pins.issue */
  issue: Sample[];
  /** pins.issue alone (for the write wait) */
  issueCall: Sample[];
  refused: Map<string, number>;
  /** The slowest single call the clerk made, and what it asked. */
  slowest: { call: string; ms: number };
}

interface DeskRow {
  job: string;
  seconds: number;
  samples: DeskSamples;
  loopMax: number;
  /** The main thread's longest garbage collection pause during the row (ms; the bench's own heap is in it). */
  gcMax: number;
  /** Main's garbage collection pauses of GC_NOTED_MS or more during the row (performance.now() start, ms). */
  gcPauses: Sample[];
  /** Gaps of LOOP_GAP_NOTED_MS or more between the 5 ms ticker's runs: main's event loop busy (performance.now() start, ms). */
  loopGaps: Sample[];
  /** Main's V8 heap in use at the row's end (MiB): the app's and the bench's own data together. */
  heapMiB: number;
  /** Every desk write of the row (the clerk's, and audit entries): ms waited for a job's write lock, ms of its sync off main. */
  writes: { jobWaits: number[]; syncs: number[] };
  /** PINs issued through the desk's journal during the row: ms from the journal's commit until they were in the mirror. */
  moves: number[];
}

const rows: DeskRow[] = [];
/** Where each app's clerk is in its list of families to issue. */
const issueCursor = new WeakMap<App, number>();

const sleep = (msToWait: number) => new Promise((resolve) => setTimeout(resolve, msToWait));

async function timed<T>(samples: DeskSamples, into: Sample[], what: string, call: () => Promise<T>): Promise<T> {
  const at = performance.now();
  const value = await call();
  const took = performance.now() - at;
  into.push({ at, ms: took });
  if (took > samples.slowest.ms) samples.slowest = { call: what, ms: took };
  return value;
}

function refuse(samples: DeskSamples, call: string, result: Result<unknown>): void {
  if (result.ok) return;
  const key = `${call}: ${result.error.code}`;
  samples.refused.set(key, (samples.refused.get(key) ?? 0) + 1);
}

/** Runs the clerk until `busy()` turns false; returns what the clerk saw. */
async function clerk(app: App, inputs: DeskInputs, busy: () => boolean, issue = true): Promise<DeskSamples> {
  const samples: DeskSamples = { search: [], family: [], issue: [], issueCall: [], refused: new Map(), slowest: { call: '', ms: 0 } };
  let turn = 0;
  const lookups = async () => {
    while (busy()) {
      const text = inputs.searches[turn % inputs.searches.length]!;
      refuse(samples, 'search.patients', await timed(samples, samples.search, `search.patients "${text}"`, () => app.invoke('search.patients', { text })));
      if (turn % 2 === 0) {
        const familyId = inputs.familyIds[(turn / 2) % inputs.familyIds.length]!;
        refuse(samples, 'family.load', await timed(samples, samples.family, 'family.load', () => app.invoke('family.load', { familyId })));
      }
      turn += 1;
      await sleep(SEARCH_EVERY_MS);
    }
  };
  const issuing = async () => {
    let waited = 0;
    while (busy()) {
      const next = issueCursor.get(app) ?? 0;
      if (next >= inputs.issueFamilyIds.length) return;
      issueCursor.set(app, next + 1);
      const familyId = inputs.issueFamilyIds[next]!;
      const loadStart = performance.now();
      const loaded = await app.invoke('family.load', { familyId });
      const loadMs = performance.now() - loadStart;
      if (!loaded.ok) {
        refuse(samples, 'family.load (to issue)', loaded);
        await sleep(SEARCH_EVERY_MS);
        continue;
      }
      const family = loaded.value as FamilyView;
      const { children, contacts } = planInputsFromFamily(family);
      const plan = planFamilyPins(children, contacts, NO_CHOICES);
      if (plan.pinCount === 0 && family.contacts.length === 0 && waited < WAIT_FOR_CONTACTS) {
        // A mirror being filled: the family is there, its links not yet (they come last). Look again shortly.
        waited += 1;
        issueCursor.set(app, next);
        await sleep(SEARCH_EVERY_MS);
        continue;
      }
      waited = 0;
      if (plan.pinCount === 0) continue; // nothing to issue here: the clerk moves on
      const batchId = randomUUID();
      refuse(samples, 'pins.prepare', await app.invoke('pins.prepare', { batchId, count: Math.min(plan.pinCount, 50) }));
      await sleep(READING_MS);
      if (!busy()) return; // the job ended while the plan was read: not a sample of it
      const expectedPatientIds = plan.guardians.flatMap((g) => g.children.map((c) => c.patientId));
      const issueStart = performance.now();
      const issued = await app.invoke('pins.issue', { batchId, familyId, choices: NO_CHOICES, expectedPatientIds, reviewToken: family.reviewToken });
      const issueMs = performance.now() - issueStart;
      refuse(samples, 'pins.issue', issued);
      if (!issued.ok) continue;
      samples.issue.push({ at: loadStart, ms: loadMs + issueMs });
      samples.issueCall.push({ at: issueStart, ms: issueMs });
      if (loadMs > samples.slowest.ms) samples.slowest = { call: 'family.load (to issue)', ms: loadMs };
      if (issueMs > samples.slowest.ms) samples.slowest = { call: `pins.issue (${plan.pinCount} PINs)`, ms: issueMs };
    }
  };
  await Promise.all([lookups(), issue ? issuing() : Promise.resolve()]);
  return samples;
}

/** Main's GC pauses this long or longer are kept, to say which slow desk calls one fell into. */
const GC_NOTED_MS = 5;
/** Main's event loop busy this long or longer at once (the 5 ms ticker late by it) is kept, for the same question. */
const LOOP_GAP_NOTED_MS = 10;

function watchLoop(): () => Promise<{ loopMax: number; gcMax: number; gcPauses: Sample[]; loopGaps: Sample[]; heapMiB: number }> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  // Main's own pauses for its heap: they stop the event loop like any stall, and say whether one was the loop max.
  let gcMax = 0;
  const gcPauses: Sample[] = [];
  const gc = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gcMax = Math.max(gcMax, entry.duration);
      if (entry.duration >= GC_NOTED_MS) gcPauses.push({ at: entry.startTime, ms: entry.duration });
    }
  });
  gc.observe({ entryTypes: ['gc'] });
  let gapMax = 0;
  let last = performance.now();
  const loopGaps: Sample[] = [];
  const ticker = setInterval(() => {
    const now = performance.now();
    gapMax = Math.max(gapMax, now - last);
    if (now - last >= LOOP_GAP_NOTED_MS) loopGaps.push({ at: last, ms: now - last });
    last = now;
  }, 5);
  histogram.enable();
  return async () => {
    // A stall that ends the job is only seen when the timers fire next: let them.
    await sleep(100);
    clearInterval(ticker);
    histogram.disable();
    gc.disconnect();
    return { loopMax: Math.max(histogram.max / 1e6, gapMax), gcMax, gcPauses, loopGaps, heapMiB: process.memoryUsage().heapUsed / 2 ** 20 };
  };
}

/** The desk with nothing else running, for `seconds`: the first row, and the base of the write wait. */
export async function deskQuiet(app: App, inputs: DeskInputs, seconds: number): Promise<void> {
  const stop = watchLoop();
  app.deskWriteTimes.take();
  app.context.issueJournal.takeMoveTimes();
  const start = performance.now();
  const samples = await clerk(app, inputs, () => performance.now() - start < seconds * 1000);
  const took = (performance.now() - start) / 1000;
  rows.unshift({
    job: 'quiet (nothing else running)',
    seconds: took,
    samples,
    ...(await stop()),
    writes: app.deskWriteTimes.take(),
    moves: app.context.issueJournal.takeMoveTimes(),
  });
}

/**
 * Runs `work` (a heavy job, through the app's own entry point) while the clerk works `app`'s desk;
 * returns what `work` returned. Without `inputs` it only runs `work`. `issue: false`: the clerk
 * only looks things up (for a job that every issue would feed, as the outbox drain).
 */
export async function underLoad<T>(
  job: string,
  app: App,
  inputs: DeskInputs | undefined,
  work: () => Promise<T>,
  options: { issue?: boolean } = {},
): Promise<T> {
  if (!inputs) return work();
  let running = true;
  const stop = watchLoop();
  app.deskWriteTimes.take();
  app.context.issueJournal.takeMoveTimes();
  const start = performance.now();
  const clerkDone = clerk(app, inputs, () => running, options.issue ?? true);
  try {
    return await work();
  } finally {
    running = false;
    const seconds = (performance.now() - start) / 1000;
    const loop = await stop();
    const samples = await clerkDone;
    // Only what the clerk asked while the job ran.
    const end = start + seconds * 1000;
    for (const list of [samples.search, samples.family, samples.issue, samples.issueCall]) list.splice(0, list.length, ...list.filter((s) => s.at <= end));
    // The last issues' PINs reach the mirror (their moves count in this row).
    await app.context.issueJournal.allMoved();
    rows.push({ job, seconds, samples, ...loop, writes: app.deskWriteTimes.take(), moves: app.context.issueJournal.takeMoveTimes() });
  }
}

/** Repeats `once` until at least `seconds` have passed (at least once): short jobs give the clerk time for a few samples. */
export async function repeatFor(seconds: number, once: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  let runs = 0;
  do {
    await once();
    runs += 1;
  } while (performance.now() - start < seconds * 1000);
  return runs;
}

interface Stats {
  n: number;
  p50: number;
  p99: number;
  max: number;
}
function stats(samples: readonly Sample[]): Stats {
  const sorted = samples.map((s) => s.ms).sort((a, b) => a - b);
  return { n: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) ?? NaN };
}
/** "p99/max (n)" of a list of ms, "-" when empty. */
function p99max(values: readonly number[]): string {
  if (values.length === 0) return '-';
  const sorted = [...values].sort((a, b) => a - b);
  return `${ms(percentile(sorted, 99))}/${ms(sorted.at(-1)!)} (${sorted.length})`;
}
const cell = (s: Stats) => (s.n === 0 ? '-' : `${ms(s.p50)} / ${ms(s.p99)} / ${ms(s.max)} (${s.n})`);

export function printDeskTable(): void {
  if (rows.length === 0) return;
  const quiet = rows.find((r) => r.job.startsWith('quiet'));
  const quietIssue = quiet ? stats(quiet.samples.issueCall).p50 : NaN;
  const table: (string | number)[][] = [];
  let worstP99 = { value: 0, job: '' };
  let worstLoop = { value: 0, job: '' };
  let worstWait = { value: 0, job: '' };
  for (const row of rows) {
    const search = stats(row.samples.search);
    const family = stats(row.samples.family);
    const issue = stats(row.samples.issue);
    const measured = [search, family, issue].filter((s) => s.n > 0);
    const deskP99 = measured.length === 0 ? NaN : Math.max(...measured.map((s) => s.p99));
    const wait = row === quiet || row.samples.issueCall.length === 0 ? NaN : Math.max(0, Math.max(...row.samples.issueCall.map((s) => s.ms)) - quietIssue);
    if (row !== quiet) {
      if (deskP99 > worstP99.value) worstP99 = { value: deskP99, job: row.job };
      if (row.loopMax > worstLoop.value) worstLoop = { value: row.loopMax, job: row.job };
      if (wait > worstWait.value) worstWait = { value: wait, job: row.job };
    }
    const refused = [...row.samples.refused].map(([what, n]) => `${n} ${what}`).join(', ');
    table.push([
      row.job,
      row.seconds.toFixed(1),
      cell(search),
      cell(family),
      cell(issue),
      ms(row.loopMax),
      ms(row.gcMax),
      Number.isNaN(wait) ? '' : ms(wait),
      `${p99max(row.writes.jobWaits)} · ${p99max(row.writes.syncs)}`,
      p99max(row.moves),
      `${deskP99 <= DESK_P99_TARGET_MS ? 'yes' : 'NO'} / ${row.loopMax <= LOOP_MAX_TARGET_MS ? 'yes' : 'NO'} / ${Number.isNaN(wait) ? '-' : wait <= WRITE_WAIT_TARGET_MS ? 'yes' : 'NO'}`,
      row.samples.slowest.ms > 0 ? `${ms(row.samples.slowest.ms)} ${row.samples.slowest.call}` : '',
      refused,
    ]);
  }
  printTable(
    `Desk under load: the clerk's calls through app.invoke while each heavy job runs (ms: p50 / p99 / max (n); targets: desk p99 <= ${DESK_P99_TARGET_MS}, event-loop max <= ${LOOP_MAX_TARGET_MS}, desk write wait <= ${WRITE_WAIT_TARGET_MS})`,
    [
      'while',
      's',
      'search.patients',
      'family.load',
      'plan + issue (load + issue)',
      'loop max',
      'main GC max',
      'write wait',
      'desk writes: job lock · disk sync (p99/max)',
      'journaled PINs into the mirror (p99/max)',
      'met p99/loop/wait',
      'slowest call',
      'refused calls',
    ],
    table,
  );
  console.log(
    `Write wait: slowest pins.issue during the job minus its quiet median (${ms(quietIssue)} ms). Desk writes: every write of the desk's connection during the row, ` +
      "how long it waited for a job's write lock before it began, and how long its sync off main took (only while a job writes). " +
      "Journaled PINs: while a job writes, pins.issue commits to the desk's journal and answers; its rows then move into the mirror " +
      '(a desk write above): the time from the journal commit until they were there. ' +
      "Main GC max: the main thread's longest garbage collection pause in the row (the bench's own data shares that heap). " +
      'Pull and import rows: the clerk works the mirror being filled ' +
      '(a family not there yet is refused, a search finds what has arrived); the other rows: the bench mirror.',
  );
  // The slow plan + issue samples of each job row: how many a GC pause of main's fell into.
  for (const row of rows) {
    if (row === quiet) continue;
    const slow = row.samples.issue.filter((s) => s.ms > DESK_P99_TARGET_MS);
    if (slow.length === 0) continue;
    const inside = (s: Sample, pauses: Sample[]) => pauses.filter((g) => g.at < s.at + s.ms && g.at + g.ms > s.at);
    const overlapping = slow.map((s) => inside(s, row.gcPauses));
    const hit = overlapping.filter((list) => list.length > 0);
    const longest = Math.max(0, ...hit.flat().map((g) => g.ms));
    // Main's event loop busy inside each slow sample (its longest stretch): near the sample's own length, the time went
    // to work on main (the call's own, or another's it waited behind); small, to a wait off main (the disk, a lock).
    const busy = slow.map((s) => Math.max(0, ...inside(s, row.loopGaps).map((g) => g.ms)));
    console.log(
      `${row.job}: ${slow.length} plan + issue over ${DESK_P99_TARGET_MS} ms (${slow.map((s) => ms(s.ms)).join(', ')}); ` +
        `${hit.length} of them with a main GC pause of ${GC_NOTED_MS} ms or more inside (longest ${ms(longest)} ms); ` +
        `main's event loop busy at once inside each, longest stretch (${busy.map((b) => (b > 0 ? ms(b) : `< ${LOOP_GAP_NOTED_MS}`)).join(', ')} ms); ` +
        `main's heap in use at the row's end ${Math.round(row.heapMiB)} MiB (the app's and the bench's).`,
    );
  }
  if (rows.length > 1) {
    recordTarget(
      'desk p99 (search, family, plan + issue) during every heavy job',
      `${ms(worstP99.value)} ms (${worstP99.job})`,
      `<= ${DESK_P99_TARGET_MS} ms`,
      worstP99.value <= DESK_P99_TARGET_MS,
    );
    recordTarget(
      'main event-loop max during every heavy job',
      `${ms(worstLoop.value)} ms (${worstLoop.job})`,
      `<= ${LOOP_MAX_TARGET_MS} ms`,
      worstLoop.value <= LOOP_MAX_TARGET_MS,
    );
    recordTarget(
      'longest desk write wait (pins.issue) behind a job',
      `${ms(worstWait.value)} ms (${worstWait.job || 'none'})`,
      `<= ${WRITE_WAIT_TARGET_MS} ms`,
      worstWait.value <= WRITE_WAIT_TARGET_MS,
    );
  }
}
