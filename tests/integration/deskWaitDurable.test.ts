import fs from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import type { App } from '../../electron/main/app';
import { diskAsksOf, jobsWriting } from '../../electron/main/db/deskTurn';
import { insertFamilies, lopezFamily } from '../support/fixtures';
import type { IssuedBatch, SearchResults } from '../../shared/api';
import { issueInput, loadReview, openIssuingDesk, planFamily, reviewAndIssue } from '../support/issue';
import { invokeOk } from '../support/testDesk';
import { makeTempDir } from '../support/tempDir';
import { waitFor } from '../support/waitFor';
import { journaled } from '../support/jobWriters';
import { captureConsoleErrors } from '../support/consoleErrors';

/**
 * Issue 14: while a job writes in a worker, PINs are issued into the desk's journal (a file of its
 * own, synced by SQLite: pins/issueJournal.ts) and the clerk is answered; they then move into the
 * mirror by a desk write that commits without SQLite's own sync on the main thread, its WAL synced
 * in libuv's pool (db/deskDriver.ts). The PINs must be as durable as before: on disk before the
 * answer, kept in the journal until the mirror's sync confirms them, never reported when the
 * journal cannot take them, and every later desk write synced by SQLite again.
 */

let temp: ReturnType<typeof makeTempDir>;
let app: App | undefined;

beforeAll(() => {
  temp = makeTempDir('fpp-desk-durable-');
});
afterEach(async () => {
  await app?.close();
  app = undefined;
});
afterAll(() => temp?.remove());

/** A desk with the Lopez family, and a job writing in a worker as far as the desk can tell (the job runner's count). */
async function deskWhileAJobWrites(name: string) {
  const file = temp.file(`${name}.sqlite`);
  const desk = await openIssuingDesk(file, { now: () => new Date(), workstation: 'desk-1' });
  app = desk;
  insertFamilies(desk.context.sqlite, [lopezFamily('maria.lopez@example.org')]);
  const turn = desk.jobs.deskTurn;
  expect(turn).toBeDefined();
  jobsWriting(turn!, 1);
  onTestFinished(() => jobsWriting(turn!, -1));
  return { desk, file };
}

/** Pins of `batchId` as a second connection to the file sees them (what is committed, whoever wrote it). */
function committedPins(file: string, batchId: string): number {
  const reader = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  try {
    return reader.prepare('SELECT count(*) FROM pins WHERE batch_id = ?').pluck().get(batchId) as number;
  } finally {
    reader.close();
  }
}

/** Holds every sync of `file`'s WAL until `letSyncGo`; `started` resolves when the first one begins. */
function holdWalSync(file: string): { started: Promise<void>; letSyncGo: () => void } {
  let letSyncGo!: () => void;
  const gate = new Promise<void>((resolve) => {
    letSyncGo = resolve;
  });
  let syncStarted!: () => void;
  const started = new Promise<void>((resolve) => {
    syncStarted = resolve;
  });
  const open = fs.promises.open.bind(fs.promises);
  const held = vi.spyOn(fs.promises, 'open').mockImplementation(async (...args: Parameters<typeof fs.promises.open>) => {
    const handle = await open(...args);
    if (String(args[0]) === `${file}-wal`) {
      const datasync = handle.datasync.bind(handle);
      handle.datasync = async () => {
        syncStarted();
        await gate;
        await datasync();
      };
    }
    return handle;
  });
  onTestFinished(() => held.mockRestore());
  return { started, letSyncGo };
}

const synchronousOf = (desk: App) => desk.context.sqlite.pragma('synchronous', { simple: true });

describe('issuing a family while a job writes in a worker', () => {
  it("answers once the PINs are in the desk journal's WAL and it is synced, then moves them into the mirror, whose WAL is synced before the journal lets them go", async () => {
    const { desk, file } = await deskWhileAJobWrites('synced');
    const batchId = crypto.randomUUID();
    let answered = false;
    // Every sync of either WAL through a file handle: which file, what was committed and whether the clerk had the answer.
    const syncs: { wal: 'mirror' | 'journal'; pins: number; journaled: number; journaledAtStart: number; answered: boolean; jobsHeld: boolean }[] = [];
    // What a job's worker sees meanwhile: no WAL sync or checkpoint of its own while the desk waits for the disk.
    const jobsHeld = diskAsksOf(desk.jobs.deskTurn);
    const open = fs.promises.open.bind(fs.promises);
    const opened = vi.spyOn(fs.promises, 'open').mockImplementation(async (...args: Parameters<typeof fs.promises.open>) => {
      const handle = await open(...args);
      const wal = String(args[0]) === `${file}-wal` ? 'mirror' : String(args[0]) === `${file}-desk-journal-wal` ? 'journal' : null;
      if (wal) {
        const datasync = handle.datasync.bind(handle);
        handle.datasync = async () => {
          // Read as the sync starts: everything committed by then is in what it flushes (the batch's
          // move may already have emptied the journal by the time a slow sync returns).
          const held = jobsHeld();
          const journaledAtStart = journaled(file, batchId);
          await datasync();
          syncs.push({ wal, pins: committedPins(file, batchId), journaled: journaled(file, batchId), journaledAtStart, answered, jobsHeld: held });
        };
      }
      return handle;
    });
    onTestFinished(() => opened.mockRestore());

    const { result, plan } = await reviewAndIssue(desk, 'f-lopez', {}, batchId);
    answered = true;
    expect(result.ok).toBe(true);
    // The journal's WAL was synced with the batch in it before the answer; SQLite itself does not sync it on main.
    expect(syncs.some((s) => s.wal === 'journal' && s.journaledAtStart === 1 && !s.answered && s.jobsHeld)).toBe(true);
    expect(desk.context.sqlite.pragma('desk_journal.synchronous', { simple: true })).toBe(1);
    expect(desk.context.sqlite.pragma('desk_journal.journal_mode', { simple: true })).toBe('wal');

    await desk.context.issueJournal.allMoved();
    // The move (a desk write) done too: the jobs may sync and checkpoint again.
    expect(jobsHeld()).toBe(false);
    expect(committedPins(file, batchId)).toBe(plan.pinCount);
    expect(journaled(file, batchId)).toBe(0);
    // A sync of the mirror's WAL returned with every PIN in it while the journal still held the batch.
    expect(syncs.some((s) => s.wal === 'mirror' && s.pins === plan.pinCount && s.journaled === 1)).toBe(true);
    expect(synchronousOf(desk)).toBe(2);
  });

  it("refuses to say the PINs were issued when the disk does not confirm the journal's sync; the retry of the same batch returns them, and they reach the mirror once", async () => {
    const { desk, file } = await deskWhileAJobWrites('journal-unconfirmed');
    const open = fs.promises.open.bind(fs.promises);
    const failing = vi.spyOn(fs.promises, 'open').mockImplementation(async (...args: Parameters<typeof fs.promises.open>) => {
      if (String(args[0]) === `${file}-desk-journal-wal`) throw Object.assign(new Error('EIO: i/o error, open'), { code: 'EIO' });
      return open(...args);
    });
    onTestFinished(() => failing.mockRestore());
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    onTestFinished(() => errors.mockRestore());

    const { result, batchId, plan, family } = await reviewAndIssue(desk, 'f-lopez');
    failing.mockRestore();
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).toContain('did not confirm the save');
    // The wizard's retry of the same batch, the disk working again: the same batch, once.
    const retried = await desk.invoke('pins.issue', issueInput(family, plan, batchId));
    expect(retried.ok).toBe(true);
    await desk.context.issueJournal.allMoved();
    expect(committedPins(file, batchId)).toBe(plan.pinCount);
    expect(desk.context.sqlite.prepare('SELECT count(DISTINCT batch_id) FROM pins').pluck().get()).toBe(1);
  });

  it('keeps the batch in the journal while the disk does not confirm the mirror, and moves it once when it does', async () => {
    const { desk, file } = await deskWhileAJobWrites('refused');
    const open = fs.promises.open.bind(fs.promises);
    const failing = vi.spyOn(fs.promises, 'open').mockImplementation(async (...args: Parameters<typeof fs.promises.open>) => {
      if (String(args[0]) === `${file}-wal`) throw Object.assign(new Error('EIO: i/o error, open'), { code: 'EIO' });
      return open(...args);
    });
    onTestFinished(() => failing.mockRestore());
    const logged = captureConsoleErrors();

    const { result, batchId, plan, family } = await reviewAndIssue(desk, 'f-lopez');
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    await waitFor(() => logged.some((line) => line.includes('could not reach the mirror yet')), { what: 'a failed move' });
    // Still in the journal, and in the desk's hands: a repeat of the confirmation gives the same packet.
    expect(journaled(file, batchId)).toBe(1);
    const repeated = await desk.invoke('pins.issue', issueInput(family, plan, batchId));
    expect(repeated.ok && (repeated.value as IssuedBatch).guardians).toEqual(result.value.guardians);
    // What was logged names the failure, never a PIN.
    const pins = result.value.guardians.flatMap((g) => g.children.flatMap((c) => (c.pin ? [c.pin, c.pin.replace(/-/g, '')] : [])));
    expect(pins.length).toBeGreaterThan(0);
    for (const line of logged) for (const pin of pins) expect(line).not.toContain(pin);

    // The disk works again: the next try moves the batch, once.
    failing.mockRestore();
    await desk.context.issueJournal.allMoved();
    expect(desk.context.issueJournal.batch(batchId)).toBeUndefined();
    expect(committedPins(file, batchId)).toBe(plan.pinCount);
    expect(journaled(file, batchId)).toBe(0);
    expect(synchronousOf(desk)).toBe(2);
  });

  it('refuses to say the PINs were issued when the journal cannot take them; nothing is left half, and the retry issues them', async () => {
    const { desk, file } = await deskWhileAJobWrites('journal-refused');
    const sqlite = desk.context.sqlite;
    const prepare = sqlite.prepare.bind(sqlite);
    const full = vi.spyOn(sqlite, 'prepare').mockImplementation(((source: string) => {
      if (source.startsWith('INSERT INTO desk_journal.issues')) throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
      return prepare(source);
    }) as typeof sqlite.prepare);
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    onTestFinished(() => errors.mockRestore());

    const { result, batchId, plan, family } = await reviewAndIssue(desk, 'f-lopez');
    full.mockRestore();
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).toContain('did not save these PINs, so nothing was issued');
    expect(committedPins(file, batchId)).toBe(0);
    expect(journaled(file, batchId)).toBe(0);
    expect(desk.context.issueJournal.count()).toBe(0);

    const retried = await desk.invoke('pins.issue', issueInput(family, plan, batchId));
    expect(retried.ok).toBe(true);
    await desk.context.issueJournal.allMoved();
    expect(committedPins(file, batchId)).toBe(plan.pinCount);
  });

  it("answers the clerk at once while the mirror's sync is held, answers searches meanwhile, and nothing reads the outbox before the PINs are on disk", async () => {
    const { desk, file } = await deskWhileAJobWrites('lent');
    const review = await loadReview(desk, 'f-lopez');
    const plan = planFamily(desk, review);
    // The WAL's sync is held until the test lets it go.
    const { started, letSyncGo } = holdWalSync(file);

    const batchId = crypto.randomUUID();
    const issued = await desk.invoke('pins.issue', issueInput(review, plan, batchId));
    expect(issued.ok).toBe(true);
    await started;
    // The enrollments are committed to the mirror (another connection sees them), not yet synced: the outbox worker's read waits.
    expect(committedPins(file, batchId)).toBeGreaterThan(0);
    let outboxRead = false;
    const reading = desk.context.db
      .selectFrom('outbox')
      .select('kind')
      .where('ref', 'in', desk.context.sqlite.prepare('SELECT id FROM pins WHERE batch_id = ?').pluck().all(batchId) as string[])
      .execute()
      .then((rows) => {
        outboxRead = true;
        return rows;
      });
    // Asked after the outbox read, the clerk's search is answered first.
    const found = await invokeOk<SearchResults>(desk, 'search.patients', { text: 'Lopez' });
    expect(found.hits.length).toBeGreaterThan(0);
    expect(outboxRead).toBe(false);
    expect(journaled(file, batchId)).toBe(1);

    letSyncGo();
    expect((await reading).filter((row) => row.kind === 'portal.enrollment')).toHaveLength(plan.pinCount);
    await desk.context.issueJournal.allMoved();
    expect(journaled(file, batchId)).toBe(0);
  });

  it("keeps the outbox worker's look for due rows until the PINs are on disk", async () => {
    const { desk, file } = await deskWhileAJobWrites('worker-look');
    const review = await loadReview(desk, 'f-lopez');
    const plan = planFamily(desk, review);
    const { started, letSyncGo } = holdWalSync(file);
    // The worker's look is one statement prepared on its first use: seen here when it runs.
    const sqlite = desk.context.sqlite;
    const prepare = sqlite.prepare.bind(sqlite);
    let looked = false;
    const watched = vi.spyOn(sqlite, 'prepare').mockImplementation(((source: string) => {
      if (/FROM outbox o LEFT JOIN outbox dep/.test(source)) looked = true;
      return prepare(source);
    }) as typeof sqlite.prepare);
    onTestFinished(() => watched.mockRestore());

    expect((await desk.invoke('pins.issue', issueInput(review, plan))).ok).toBe(true);
    await started;
    // The Welcome email is committed, not yet on disk: the worker's look waits; the clerk's search asked after it goes first.
    const draining = desk.deliveries.worker.drain();
    const found = await invokeOk<SearchResults>(desk, 'search.patients', { text: 'Lopez' });
    expect(found.hits.length).toBeGreaterThan(0);
    expect(looked).toBe(false);

    letSyncGo();
    await draining;
    expect(looked).toBe(true);
  });
});
