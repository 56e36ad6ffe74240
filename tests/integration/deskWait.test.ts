import { randomUUID } from 'node:crypto';
import type BetterSqlite3 from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import type { App } from '../../electron/main/app';
import { createRun } from '../../electron/main/db/jobRuns';
import { type ApplyPageArgs, applyPageOfRun, PartSizer } from '../../electron/main/sync/applyOps';
import { findWorkerEntry, startWorker } from '../../electron/main/lib/workerEntry';
import type { SearchResults } from '../../shared/api';
import { watchLongestTurn } from '../support/eventLoopTurns';
import { insertFamilies, lopezFamily } from '../support/fixtures';
import { issueInput, loadReview, openIssuingDesk, planFamily } from '../support/issue';
import { contactRecord, patientRecord } from '../support/syncRecords';
import { makeTempDir } from '../support/tempDir';
import { startJobWriter } from '../support/jobWriters';
import { messageOf } from '../support/workerMessages';
import { invokeOk } from '../support/testDesk';

/**
 * Issue 14: a desk write (issuing a family) that meets a job's write lock waits for it without
 * stopping the app: main's event loop keeps turning, the desk's searches answer, and the PINs are
 * written once the job's transaction commits. (While a job of the app's runner writes, the clerk
 * is answered before that, from the desk's journal: pins/issueJournal.ts.) Before, the app's
 * connection waited in SQLite's busy handler, which sleeps main: the clerk's screen froze for the
 * whole job transaction (440 ms at 200,000 patients), and a lock held longer ended in "database is locked".
 */

let temp: ReturnType<typeof makeTempDir>;
let app: App | undefined;
let reference: App | undefined;

beforeAll(() => {
  temp = makeTempDir('fpp-desk-wait-');
});
afterEach(async () => {
  await app?.close();
  await reference?.close();
  app = undefined;
  reference = undefined;
});
afterAll(() => temp?.remove());

async function issueWhileAJobHoldsTheLock(name: string, announce: boolean, clockJumpsMs = 0) {
  const file = temp.file(`${name}.sqlite`);
  const desk = await openIssuingDesk(file, { now: () => new Date(), workstation: 'desk-1' });
  app = desk;
  insertFamilies(desk.context.sqlite, [lopezFamily('maria.lopez@example.org')]);
  const review = await loadReview(desk, 'f-lopez');
  const plan = planFamily(desk, review);
  const deskTurn = desk.jobs.deskTurn;
  expect(deskTurn).toBeDefined();

  const job = startJobWriter(file, deskTurn!, announce);
  await job.holding;
  desk.deskWriteTimes.take();
  const longestTurn = watchLongestTurn();
  const batchId = randomUUID();
  let answered = false;
  const issuing = desk.invoke('pins.issue', issueInput(review, plan, batchId)).finally(() => {
    answered = true;
  });

  // Announced (a job of the app's own runner): the PINs go to the desk's journal, which waits for
  // nobody, and the clerk has the packet while the job still holds the mirror (pins/issueJournal.ts).
  if (announce) {
    const early = await issuing;
    expect(early.ok).toBe(true);
    expect(desk.context.issueJournal.batch(batchId)).toBeDefined();
    expect(desk.context.sqlite.prepare(`SELECT count(*) FROM pins WHERE batch_id = ?`).pluck().get(batchId)).toBe(0);
  }
  // The worker's message arrives on main's event loop: it turns while the desk's write waits
  // (the family's own write, or the move of its journaled PINs into the mirror).
  expect(await job.deskWaiting).toEqual({ type: 'desk-waiting', seen: true });
  const waitingSeenAt = performance.now();
  // The clerk searches meanwhile: answered from the same connection, not queued behind the write.
  const found = await invokeOk<SearchResults>(desk, 'search.patients', { text: 'Lopez' });
  expect(found.hits.map((h) => h.patientId).sort()).toEqual(['p-ana', 'p-luis', 'p-sofia']);
  expect(answered).toBe(announce);
  if (clockJumpsMs) {
    // The workstation's clock is set forward while the desk's write waits: its bounds are monotonic, so it keeps waiting.
    const wallClock = Date.now.bind(Date);
    const jumped = vi.spyOn(Date, 'now').mockImplementation(() => wallClock() + clockJumpsMs);
    onTestFinished(() => jumped.mockRestore());
    // Time passes under the wrong clock (the desk retries every 2 ms): the scenario itself, not a wait for an event.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(answered).toBe(false);
  }

  const releasedAt = performance.now();
  job.release();
  const issued = await issuing;
  expect(issued.ok).toBe(true);
  await desk.context.issueJournal.allMoved();
  expect(desk.context.issueJournal.batch(batchId)).toBeUndefined();
  // The bench's breakdown of the write (App.deskWriteTimes): it waited for the job's lock at least from the
  // moment the job saw it waiting until the lock was let go.
  const times = desk.deskWriteTimes.take();
  expect(Math.max(...times.jobWaits)).toBeGreaterThanOrEqual(releasedAt - waitingSeenAt);
  expect(times.jobWaits.filter((ms) => ms > 0).length).toBeGreaterThanOrEqual(1);
  await job.committed;
  // Both writes are there: the job's and the family's PINs.
  const s = desk.context.sqlite;
  expect(s.prepare(`SELECT value FROM sync_state WHERE key = 'job_probe'`).pluck().get()).toBe('written by the job');
  expect(s.prepare(`SELECT count(*) FROM pins WHERE batch_id = ?`).pluck().get(batchId)).toBeGreaterThan(0);
  // No turn of the loop as long as the lock was held (SQLite's busy handler would have slept it for all of it).
  expect(await longestTurn()).toBeLessThan(1_000);
}

describe('a desk write while a job holds the write lock', () => {
  it('announced as the job worker does: the family is issued at once from the desk journal, its PINs reach the mirror after the job commits, and the desk answers meanwhile', async () => {
    await issueWhileAJobHoldsTheLock('announced', true);
  });

  it('by a writer that did not announce itself: the same, the desk retrying on a timer instead of sleeping', async () => {
    await issueWhileAJobHoldsTheLock('unannounced', false);
  });

  it('with the workstation clock set an hour forward meanwhile: the desk still waits for the job and issues', async () => {
    await issueWhileAJobHoldsTheLock('clock-forward', false, 3_600_000);
  });
});

/** A large pull page: `n` children, each with a guardian and the link between them (3n records). */
function largePage(n: number): ApplyPageArgs['page'] {
  const patients = Array.from({ length: n }, (_, i) =>
    patientRecord(`p-job-${i}`, { chartNumber: `JOB-${i}`, firstName: `Kid${i}`, lastName: `Family${i % 97}` }),
  );
  const contacts = patients.map((_, i) =>
    contactRecord(`c-job-${i}`, { firstName: `Parent${i}`, lastName: `Family${i % 97}`, email: `parent${i}@example.org` }),
  );
  const patientContacts = patients.map((p, i) => ({
    patientId: p.id,
    contactId: `c-job-${i}`,
    sort: 1,
    relationship: 'Mother',
    authority: 'Joint' as const,
    residesWith: true,
    portalFlag: false,
  }));
  return {
    cursor: 'after-the-job',
    hasMore: false,
    remaining: 0,
    families: [],
    patients,
    contacts,
    patientContacts,
    appointments: [],
    tombstones: [],
    pins: [],
    guardians: [],
  };
}

/** What the job wrote (its rows, terms, cursor and run record), to compare two mirrors. */
function jobRows(s: BetterSqlite3.Database) {
  const all = (sql: string) => s.prepare(sql).all();
  return {
    patients: all(`SELECT * FROM patients WHERE id LIKE 'p-job-%' ORDER BY id`),
    contacts: all(`SELECT * FROM contacts WHERE id LIKE 'c-job-%' ORDER BY id`),
    links: all(`SELECT * FROM patient_contacts WHERE patient_id LIKE 'p-job-%' ORDER BY patient_id, contact_id`),
    terms: all(`SELECT term, patient_id FROM search_terms WHERE patient_id LIKE 'p-job-%' ORDER BY term, patient_id`),
    state: all('SELECT * FROM sync_state ORDER BY key'),
    run: all(`SELECT * FROM job_runs WHERE id = 'run-long'`),
  };
}

const CHILDREN = 4_000;
const NOW = '2026-12-03T15:00:00.000Z';

describe('a desk write while a job writes one long transaction (issue 14: the job gives way)', () => {
  it('the family is issued while the job is still writing, and the job ends as it would have alone', async () => {
    const args: ApplyPageArgs = { page: largePage(CHILDREN), deferIndex: false, now: NOW, runId: 'run-long' };
    const start = (s: BetterSqlite3.Database) => {
      insertFamilies(s, [lopezFamily('maria.lopez@example.org')]);
      createRun(s, { id: 'run-long', kind: 'sync.pull', rowsTotal: 3 * CHILDREN, payload: null, now: NOW });
    };

    // The same page into a mirror of its own, in one transaction, with no desk: what the job must leave.
    // (A data folder of its own: one app per folder.)
    const aloneDir = makeTempDir('fpp-desk-alone-');
    onTestFinished(() => aloneDir.remove());
    reference = await openIssuingDesk(aloneDir.file('alone.sqlite'), { now: () => new Date(), workstation: 'desk-2' });
    start(reference.context.sqlite);
    const alone = applyPageOfRun(reference.context.sqlite, args, () => undefined, { sizer: new PartSizer(Number.MAX_SAFE_INTEGER) });

    const file = temp.file('long-job.sqlite');
    const desk = await openIssuingDesk(file, { now: () => new Date(), workstation: 'desk-1' });
    app = desk;
    start(desk.context.sqlite);
    const review = await loadReview(desk, 'f-lopez');
    const plan = planFamily(desk, review);
    const launch = findWorkerEntry(import.meta.url, '../support/longWriteWorker.ts', 'longWriteWorker');
    if (!launch) throw new Error('tsx is needed to run the test worker');
    const worker = startWorker(launch, { file, deskTurn: desk.jobs.deskTurn!, args });
    const message = (type: string) => messageOf<Record<string, unknown>>(worker, type);
    const writing = message('writing');
    const done = message('done');
    await writing;

    const jobChildren = () => desk.context.sqlite.prepare(`SELECT count(*) FROM patients WHERE id LIKE 'p-job-%'`).pluck().get() as number;
    const batchId = randomUUID();
    let childrenWhenIssued = -1;
    const issued = await desk.invoke('pins.issue', issueInput(review, plan, batchId)).finally(() => {
      childrenWhenIssued = jobChildren();
    });
    expect(issued.ok).toBe(true);
    // The job had not finished its page when the family was issued: it committed part of it and let the desk go.
    expect(childrenWhenIssued).toBeLessThan(CHILDREN);
    const ended = await done;
    expect(ended.transactions).toBeGreaterThan(1);

    // The job then finished: everything it would have written alone, its cursor and run record included.
    const s = desk.context.sqlite;
    expect(ended.outcome).toEqual(alone);
    expect(alone).toMatchObject({ rows: 3 * CHILDREN, setAside: 0 });
    expect(jobRows(s)).toEqual(jobRows(reference.context.sqlite));
    expect(s.prepare(`SELECT json_extract(resume_point, '$.cursor') FROM job_runs WHERE id = 'run-long'`).pluck().get()).toBe('after-the-job');
    await desk.context.issueJournal.allMoved();
    expect(s.prepare(`SELECT count(*) FROM pins WHERE batch_id = ?`).pluck().get(batchId)).toBeGreaterThan(0);
    expect(s.pragma('quick_check', { simple: true })).toBe('ok');
  });
});
