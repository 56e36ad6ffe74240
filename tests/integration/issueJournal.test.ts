import { once } from 'node:events';
import fs from 'node:fs';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import type { App } from '../../electron/main/app';
import { verifyAuditChain } from '../../electron/main/audit/verify';
import { issuesPendingIn, jobsWriting } from '../../electron/main/db/deskTurn';
import { findWorkerEntry, startWorker } from '../../electron/main/lib/workerEntry';
import { HereWriter } from '../../electron/main/sync/pullWriter';
import type { FamilyView, IssuedBatch, Result, SearchResults, StatusInfo } from '../../shared/api';
import { journalSetAsideWarning, unsavedPinsWarning } from '../../shared/domain/unsavedPins';
import type { ChangesPageEnvelope } from '../../shared/sync/protocol';
import { insertFamilies, lopezFamily } from '../support/fixtures';
import { issueInput, loadReview, openIssuingDesk, planFamily } from '../support/issue';
import { makeTempDir } from '../support/tempDir';
import { invokeOk } from '../support/testDesk';
import { waitFor } from '../support/waitFor';
import { captureConsoleErrors } from '../support/consoleErrors';
import { gateOpener, journaled, startJobWriter } from '../support/jobWriters';
import { messageOf } from '../support/workerMessages';

/**
 * Issue 14: PINs issued while a job writes the mirror are committed to the desk's journal and
 * answered at once, then moved into the mirror (pins/issueJournal.ts). What a clerk or a parent
 * would notice if that went wrong: PINs printed and then lost in a crash, a second tab issuing the
 * same children again, a pull taking away the guardian a printed PIN was made out to.
 */

const repoRoot = path.resolve(import.meta.dirname, '../..');
let temp: ReturnType<typeof makeTempDir>;
let app: App | undefined;

beforeAll(() => {
  temp = makeTempDir('fpp-issue-journal-');
});
afterEach(async () => {
  await app?.close();
  app = undefined;
});
afterAll(() => temp?.remove());

async function lopezDesk(name: string): Promise<{ desk: App; file: string }> {
  const file = temp.file(`${name}.sqlite`);
  const desk = await openIssuingDesk(file, { now: () => new Date(), workstation: 'desk-1' });
  app = desk;
  insertFamilies(desk.context.sqlite, [lopezFamily('maria.lopez@example.org')]);
  return { desk, file };
}

/** A job writing in a worker, as far as the desk can tell (the job runner's count). */
function aJobWrites(desk: App): void {
  const turn = desk.jobs.deskTurn!;
  jobsWriting(turn, 1);
  onTestFinished(() => jobsWriting(turn, -1));
}

/** A page of the practice system's that removes records (tombstones only). */
function removalPage(tombstones: ChangesPageEnvelope['tombstones']): ChangesPageEnvelope {
  return {
    cursor: 'after-the-removal',
    hasMore: false,
    remaining: 0,
    families: [],
    patients: [],
    contacts: [],
    patientContacts: [],
    appointments: [],
    tombstones,
    pins: [],
    guardians: [],
  };
}

/** tests/support/removingWorker.ts: a pull's worker applying `page` in one removing transaction. */
function removingJob(file: string, deskTurn: SharedArrayBuffer, page: ChangesPageEnvelope, hold: boolean) {
  const launch = findWorkerEntry(import.meta.url, '../support/removingWorker.ts', 'removingWorker');
  if (!launch) throw new Error('tsx is needed to run the test worker');
  const release = new SharedArrayBuffer(4);
  const worker = startWorker(launch, { file, deskTurn, page, release, hold });
  return {
    asking: messageOf(worker, 'asking'),
    holding: messageOf(worker, 'holding'),
    committed: messageOf<{ type: 'committed'; counts: { tombstones: number } }>(worker, 'committed'),
    release: gateOpener(release),
  };
}

/** Makes the app's connection throw `error` for statements matching `statement` until `letGo`; console.error lines kept. */
function failStatements(desk: App, statement: RegExp, error: { message: string; code: string }): { letGo: () => void; logged: string[] } {
  const sqlite = desk.context.sqlite;
  const prepare = sqlite.prepare.bind(sqlite);
  let failing = true;
  const spied = vi.spyOn(sqlite, 'prepare').mockImplementation(((source: string) => {
    if (failing && statement.test(source)) throw Object.assign(new Error(error.message), { code: error.code });
    return prepare(source);
  }) as typeof sqlite.prepare);
  onTestFinished(() => spied.mockRestore());
  return {
    logged: captureConsoleErrors(),
    letGo: () => {
      failing = false;
    },
  };
}

/** The mirror refuses new pins rows (an I/O error before the commit) until `letGo`. */
const mirrorRefusesPins = (desk: App) => failStatements(desk, /^\s*insert\s+into\s+"pins"/i, { message: 'disk I/O error', code: 'SQLITE_IOERR' });

/** The Lopez family issued while a job writes, its batch kept in the journal: the mirror refuses its pins rows until `refused.letGo()`. */
async function batchPending(name: string) {
  const { desk, file } = await lopezDesk(name);
  aJobWrites(desk);
  const refused = mirrorRefusesPins(desk);
  const review = await loadReview(desk, 'f-lopez');
  const plan = planFamily(desk, review);
  const batchId = randomUUID();
  expect((await desk.invoke('pins.issue', issueInput(review, plan, batchId))).ok).toBe(true);
  await waitFor(() => refused.logged.some((line) => line.includes('could not reach the mirror yet')), { what: 'a failed move' });
  return { desk, file, refused, plan, batchId };
}

const pinsOf = (s: BetterSqlite3.Database, batchId: string) => s.prepare('SELECT count(*) FROM pins WHERE batch_id = ?').pluck().get(batchId) as number;
const contactExists = (s: BetterSqlite3.Database, id: string) => s.prepare('SELECT count(*) FROM contacts WHERE id = ?').pluck().get(id) === 1;

describe('a workstation killed after the clerk was answered, before the PINs reached the mirror', () => {
  it('moves them in at the next start: the same packet, the enrollments queued, the audit chain and the file sound', async () => {
    const { desk, file } = await lopezDesk('killed');
    await desk.close();
    app = undefined;
    const batchId = randomUUID();
    // One process (no tsx CLI wrapper), so SIGKILL reaches the workstation itself.
    const child = spawn(process.execPath, ['--import', 'tsx', 'tests/support/issueChild.ts', file, batchId], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const answer = await new Promise<Result<IssuedBatch>>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const line = output.split('\n').find((l) => l.startsWith('{'));
        if (line) resolve(JSON.parse(line));
      });
      child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.once('exit', (code) => reject(new Error(`the desk process ended (${code}) before answering:\n${output}`)));
    });
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
    expect(answer.ok).toBe(true);
    if (!answer.ok) return;
    const printed = answer.value.guardians.flatMap((g) => g.children.map((c) => [c.patientId, c.pin]));
    expect(printed.some(([, pin]) => pin !== null)).toBe(true);

    // What the killed process left: the batch in the journal, nothing in the mirror.
    const reader = new BetterSqlite3(file, { readonly: true });
    expect(pinsOf(reader, batchId)).toBe(0);
    reader.close();
    expect(journaled(file, batchId)).toBe(1);

    app = await openIssuingDesk(file, { now: () => new Date(), workstation: 'desk-1' });
    const s = app.context.sqlite;
    expect(app.context.issueJournal.count()).toBe(0);
    expect(pinsOf(s, batchId)).toBe(printed.length);
    expect(s.prepare(`SELECT count(*) FROM outbox WHERE kind = 'portal.enrollment' AND status = 'pending'`).pluck().get()).toBe(printed.length);
    expect(s.prepare(`SELECT count(*) FROM audit_log WHERE action = 'pin_issued' AND json_extract(details, '$.batchId') = ?`).pluck().get(batchId)).toBe(
      printed.length,
    );
    expect(s.prepare('SELECT count(*) FROM desk_journal.issues').pluck().get()).toBe(0);
    // The reprint from the mirror gives the PINs the clerk printed before the crash.
    const reprint = await invokeOk<IssuedBatch>(app, 'pins.packet', { batchId });
    expect(reprint.guardians.flatMap((g) => g.children.map((c) => [c.patientId, c.pin]))).toEqual(printed);
    expect(s.pragma('quick_check', { simple: true })).toBe('ok');
    const verified = await verifyAuditChain(app.context.db, s);
    expect(verified.problem).toBeNull();
    expect(verified.ok).toBe(true);
  });
});

describe('a batch in both files (the journal could not forget it)', () => {
  it('is forgotten at the next start and written once: the mirror holds one copy of each PIN, enrollment and audit entry', async () => {
    const { desk, file } = await lopezDesk('both-files');
    aJobWrites(desk);
    // The journal refuses to forget (a locked file): the batch reaches the mirror and stays journaled.
    const sqlite = desk.context.sqlite;
    const stuck = failStatements(desk, /^DELETE FROM desk_journal\.issues/, { message: 'database is locked', code: 'SQLITE_BUSY' });
    const logged = stuck.logged;
    const review = await loadReview(desk, 'f-lopez');
    const plan = planFamily(desk, review);
    const batchId = randomUUID();
    expect((await desk.invoke('pins.issue', issueInput(review, plan, batchId))).ok).toBe(true);
    await waitFor(() => logged.filter((line) => line.includes('could not reach the mirror yet')).length >= 2, { what: 'two failed moves' });
    // Tried twice: the second try found the batch in the mirror and wrote nothing again.
    expect(pinsOf(sqlite, batchId)).toBe(plan.pinCount);
    await desk.close();
    app = undefined;
    stuck.letGo();
    expect(journaled(file, batchId)).toBe(1);

    app = await openIssuingDesk(file, { now: () => new Date(), workstation: 'desk-1' });
    const s = app.context.sqlite;
    expect(s.prepare('SELECT count(*) FROM desk_journal.issues').pluck().get()).toBe(0);
    expect(pinsOf(s, batchId)).toBe(plan.pinCount);
    const pinIds = s.prepare('SELECT id FROM pins WHERE batch_id = ?').pluck().all(batchId) as string[];
    expect(
      s.prepare(`SELECT count(*) FROM outbox WHERE kind = 'portal.enrollment' AND ref IN (SELECT value FROM json_each(?))`).pluck().get(JSON.stringify(pinIds)),
    ).toBe(plan.pinCount);
    expect(s.prepare(`SELECT count(*) FROM audit_log WHERE action = 'pin_issued' AND json_extract(details, '$.batchId') = ?`).pluck().get(batchId)).toBe(
      plan.pinCount,
    );
    const verified = await verifyAuditChain(app.context.db, s);
    expect(verified.ok).toBe(true);
  });
});

describe('a second confirmation while the first batch is on its way to the mirror', () => {
  it("waits for it, then refuses the second tab's plan as changed; the family then shows every child's PIN", async () => {
    const { desk, file } = await lopezDesk('second-tab');
    const review = await loadReview(desk, 'f-lopez');
    const plan = planFamily(desk, review);
    const job = startJobWriter(file, desk.jobs.deskTurn!, true);
    await job.holding;

    const first = await desk.invoke('pins.issue', issueInput(review, plan));
    expect(first.ok).toBe(true);
    // The first batch waits in the journal for the job's lock; the second tab confirms the same review.
    expect(desk.context.issueJournal.count()).toBe(1);
    let secondAnswered = false;
    const second = desk.invoke('pins.issue', issueInput(review, plan)).finally(() => {
      secondAnswered = true;
    });
    await job.deskWaiting;
    const found = await invokeOk<SearchResults>(desk, 'search.patients', { text: 'Lopez' });
    expect(found.hits.length).toBe(3);
    expect(secondAnswered).toBe(false);

    job.release();
    const refused = await second;
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.error.message).toContain('changed since you reviewed it');
    expect(desk.context.sqlite.prepare('SELECT count(DISTINCT batch_id) FROM pins').pluck().get()).toBe(1);
    const reloaded = await invokeOk<FamilyView>(desk, 'family.load', { familyId: 'f-lopez' });
    expect(planFamily(desk, reloaded).pinCount).toBe(0);
    await job.committed;
  });
});

describe('a pull removing the guardian while a batch made out to her is on its way', () => {
  it('a removal that starts then waits until the PINs are in the mirror, and keeps her (a PIN names her)', async () => {
    const { desk, file, refused, plan, batchId } = await batchPending('removal-waits');
    expect(pinsOf(desk.context.sqlite, batchId)).toBe(0);

    const removal = removingJob(file, desk.jobs.deskTurn!, removalPage([{ kind: 'contact', id: 'c-maria' }]), false);
    await removal.asking;
    refused.letGo();
    const { counts } = await removal.committed;
    expect(counts.tombstones).toBe(1);
    // The PINs were in the mirror before the removal began: Maria stays (her links go), and nothing failed.
    expect(pinsOf(desk.context.sqlite, batchId)).toBe(plan.pinCount);
    expect(desk.context.issueJournal.count()).toBe(0);
    expect(contactExists(desk.context.sqlite, 'c-maria')).toBe(true);
    expect(desk.context.sqlite.prepare(`SELECT count(*) FROM patient_contacts WHERE contact_id = 'c-maria'`).pluck().get()).toBe(0);
    expect(refused.logged.some((line) => line.includes('FOREIGN'))).toBe(false);
  });

  it('a confirmation made while a removal is under way waits for it, then refuses the plan as changed: nothing journaled', async () => {
    const { desk, file } = await lopezDesk('removal-first');
    aJobWrites(desk);
    const review = await loadReview(desk, 'f-lopez');
    const plan = planFamily(desk, review);
    const removal = removingJob(file, desk.jobs.deskTurn!, removalPage([{ kind: 'contact', id: 'c-maria' }]), true);
    await removal.holding;

    let answered = false;
    const issuing = desk.invoke('pins.issue', issueInput(review, plan)).finally(() => {
      answered = true;
    });
    const found = await invokeOk<SearchResults>(desk, 'search.patients', { text: 'Lopez' });
    expect(found.hits.length).toBe(3);
    // The desk has made its PINs and says an issue is on its way (the removal's worker would wait for it):
    // it waits for the removal under way, unanswered.
    await waitFor(() => answered || issuesPendingIn(desk.jobs.deskTurn!) > 0, { what: 'the issue to reach its journal step' });
    expect(answered).toBe(false);
    expect(desk.context.issueJournal.count()).toBe(0);

    removal.release();
    await removal.committed;
    const result = await issuing;
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).toContain('changed since you reviewed it');
    expect(desk.context.issueJournal.count()).toBe(0);
    expect(desk.context.sqlite.prepare('SELECT count(*) FROM desk_journal.issues').pluck().get()).toBe(0);
    expect(contactExists(desk.context.sqlite, 'c-maria')).toBe(false);
  });

  it("on the app's own connection (a small pull), a removing page waits for the batch the same way", async () => {
    const { desk, refused, plan, batchId } = await batchPending('removal-here');

    const writer = new HereWriter(desk.context);
    await writer.read(Buffer.from(JSON.stringify(removalPage([{ kind: 'contact', id: 'c-maria' }]))), 1_000);
    let applied = false;
    const applying = writer.apply({ deferIndex: false, now: new Date().toISOString() }).finally(() => {
      applied = true;
    });
    const found = await invokeOk<SearchResults>(desk, 'search.patients', { text: 'Lopez' });
    expect(found.hits.length).toBe(3);
    expect(applied).toBe(false);
    refused.letGo();
    await applying;
    expect(pinsOf(desk.context.sqlite, batchId)).toBe(plan.pinCount);
    expect(contactExists(desk.context.sqlite, 'c-maria')).toBe(true);
  });
});

describe('a batch the mirror keeps refusing (a full disk, a damaged file)', () => {
  it('the status bar says so, the family opens without a wait, a new issue for it is refused in words of its own; once the mirror takes the batch all is as usual', async () => {
    const { desk, refused, plan, batchId } = await batchPending('mirror-refuses');
    const failedTries = () => refused.logged.filter((line) => line.includes('could not reach the mirror yet')).length;

    const status = await invokeOk<StatusInfo>(desk, 'status.get');
    expect(status.unsavedPins).toMatchObject({ families: 1, error: 'SQLITE_IOERR' });
    expect(unsavedPinsWarning(status.unsavedPins)).toBe(
      "1 family's PINs are not in the practice's records yet (the disk reported an error). They are kept on this computer and this desk keeps trying; tell your administrator if this stays.",
    );

    // The family opens at once: it does not sit out the move's retries (10 s of them before).
    const triesBefore = failedTries();
    const review = await loadReview(desk, 'f-lopez');
    expect(failedTries() - triesBefore).toBeLessThanOrEqual(1);
    expect(desk.context.issueJournal.count()).toBe(1);

    // Issuing the same children again is refused, saying why; nothing more is journaled or hashed for it.
    const again = await desk.invoke('pins.issue', issueInput(review, planFamily(desk, review)));
    expect(again.ok).toBe(false);
    if (!again.ok) {
      expect(again.error.message).toMatch(/^PINs issued to this family (just now|\d+ minutes? ago) are not in the practice's records yet/);
      expect(again.error.message).toContain('Look at the family again once the status bar no longer warns.');
      expect(again.error.message).not.toContain('changed since you reviewed it');
    }
    // Maria is also the Primary Contact of a child in the Garcia family (blended): that family waits for the batch too, and is told whose.
    insertFamilies(desk.context.sqlite, [
      {
        id: 'f-garcia',
        name: 'Garcia',
        children: [{ id: 'p-pia', firstName: 'Pia', dateOfBirth: '2019-09-30' }],
        contacts: [{ id: 'c-maria', firstName: 'Maria', lastName: 'Lopez', links: [{ patientId: 'p-pia', sort: 1, authority: 'Joint', residesWith: true }] }],
      },
    ]);
    const garcia = await loadReview(desk, 'f-garcia');
    const blended = await desk.invoke('pins.issue', issueInput(garcia, planFamily(desk, garcia)));
    expect(blended.ok).toBe(false);
    if (!blended.ok)
      expect(blended.error.message).toMatch(/^PINs issued to a family that shares a child or a guardian with this one (just now|\d+ minutes? ago) are not/);
    expect(desk.context.issueJournal.count()).toBe(1);
    expect(desk.context.sqlite.prepare('SELECT count(*) FROM desk_journal.issues').pluck().get()).toBe(1);
    // The packet of the batch itself can still be had (the wizard's repeat of its confirmation); its print
    // cannot be recorded against PINs the records lack, and the clerk is told so at once.
    const packet = await invokeOk<IssuedBatch>(desk, 'pins.packet', { batchId });
    expect(packet.batchId).toBe(batchId);
    const printed = await desk.invoke('pins.recordPrinted', { batchId, reprint: false });
    expect(printed.ok).toBe(false);
    if (!printed.ok) expect(printed.error.message).toContain('so the print could not be recorded');

    refused.letGo();
    await waitFor(() => desk.context.issueJournal.count() === 0, { what: 'the batch in the mirror' });
    expect(pinsOf(desk.context.sqlite, batchId)).toBe(plan.pinCount);
    expect((await invokeOk<StatusInfo>(desk, 'status.get')).unsavedPins).toBeNull();
    // Ana, Luis and Sofia have their PINs; what is left to plan is Pia, the Garcia child Maria is also Primary Contact of.
    const reloaded = await invokeOk<FamilyView>(desk, 'family.load', { familyId: 'f-lopez' });
    expect(planFamily(desk, reloaded).guardians.flatMap((g) => g.children.map((c) => c.patientId))).toEqual(['p-pia']);
    expect((await desk.invoke('pins.recordPrinted', { batchId, reprint: true })).ok).toBe(true);
  });
});

describe('a journal found damaged at start (a disk error, a file changed by something else)', () => {
  /** The Lopez family's batch left in the journal by a desk that closed while the mirror refused it; the desk closed. */
  async function closedWithABatchJournaled(name: string) {
    const { desk, file, batchId, plan } = await batchPending(name);
    const index = desk.context.sqlite
      .prepare(`SELECT rootpage FROM desk_journal.sqlite_schema WHERE type = 'index' AND tbl_name = 'issues'`)
      .pluck()
      .get() as number;
    const pageSize = desk.context.sqlite.pragma('desk_journal.page_size', { simple: true }) as number;
    await desk.close();
    app = undefined;
    expect(journaled(file, batchId)).toBe(1);
    return { file, journal: `${file}-desk-journal`, batchId, plan, index, pageSize };
  }

  /** The journal files set aside (their -wal and -shm, when there were any, beside them under the same name). */
  const setAsideFiles = (journal: string) =>
    fs.readdirSync(path.dirname(journal)).filter((name) => name.startsWith(`${path.basename(journal)}.damaged-`) && !/-(wal|shm)$/.test(name));

  it('starts the desk anyway: the batches still readable reach the records, the damaged file is kept for IT, and the status bar and the audit log say so', async () => {
    const { file, journal, batchId, plan, index, pageSize } = await closedWithABatchJournaled('journal-damaged-index');
    // The journal's index page overwritten: the file fails its check, its rows can still be read.
    const fd = fs.openSync(journal, 'r+');
    fs.writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, (index - 1) * pageSize);
    fs.closeSync(fd);

    app = await openIssuingDesk(file, { now: () => new Date(), workstation: 'desk-1' });
    const s = app.context.sqlite;
    expect(pinsOf(s, batchId)).toBe(plan.pinCount);
    expect(s.prepare('SELECT count(*) FROM desk_journal.issues').pluck().get()).toBe(0);
    expect(s.pragma('desk_journal.quick_check', { simple: true })).toBe('ok');
    const [kept] = setAsideFiles(journal);
    expect(kept).toBeDefined();
    expect(fs.statSync(path.join(path.dirname(journal), kept!)).size).toBeGreaterThan(0);

    const status = await invokeOk<StatusInfo>(app, 'status.get');
    expect(status.journalSetAside).toEqual({ movedAsideTo: path.join(path.dirname(journal), kept!), recovered: 1 });
    expect(journalSetAsideWarning(status.journalSetAside)).toContain(`1 issued batch was read from it and saved; the file is kept for IT as ${kept}`);
    const audit = s.prepare(`SELECT details FROM audit_log WHERE action = 'desk_journal_set_aside'`).pluck().all() as string[];
    expect(audit.map((d) => JSON.parse(d))).toEqual([{ movedAsideTo: path.join(path.dirname(journal), kept!), batchesRecovered: 1 }]);
    const verified = await verifyAuditChain(app.context.db, s);
    expect(verified.ok).toBe(true);

    // The next start finds a sound journal: nothing more is set aside, and the status bar is quiet again.
    await app.close();
    app = await openIssuingDesk(file, { now: () => new Date(), workstation: 'desk-1' });
    expect(setAsideFiles(journal)).toHaveLength(1);
    expect((await invokeOk<StatusInfo>(app, 'status.get')).journalSetAside).toBeNull();
  });

  it('a journal that is not a database at all: nothing is carried over, the desk starts, and issuing during a job journals again', async () => {
    const { file, journal, batchId } = await closedWithABatchJournaled('journal-not-a-database');
    fs.writeFileSync(journal, Buffer.alloc(8192, 0x5a));

    app = await openIssuingDesk(file, { now: () => new Date(), workstation: 'desk-1' });
    const s = app.context.sqlite;
    expect(pinsOf(s, batchId)).toBe(0);
    const status = await invokeOk<StatusInfo>(app, 'status.get');
    expect(status.journalSetAside?.recovered).toBe(0);
    expect(journalSetAsideWarning(status.journalSetAside)).toContain('nothing could be read from it');
    expect(setAsideFiles(journal)).toHaveLength(1);
    expect(fs.statSync(journal).mode & 0o777).toBe(0o600);

    // The fresh journal works: a family issued while a job writes is journaled and reaches the mirror.
    aJobWrites(app);
    const review = await loadReview(app, 'f-lopez');
    const again = randomUUID();
    expect((await app.invoke('pins.issue', issueInput(review, planFamily(app, review), again))).ok).toBe(true);
    await waitFor(() => app!.context.issueJournal.count() === 0, { what: 'the new batch in the mirror' });
    expect(pinsOf(s, again)).toBeGreaterThan(0);
  });
});
