import fs from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import type { App } from '../../electron/main/app';
import { jobsWriting } from '../../electron/main/db/deskTurn';
import { insertFamilies, lopezFamily } from '../support/fixtures';
import type { SearchResults } from '../../shared/api';
import { issueInput, loadReview, openIssuingDesk, planFamily, reviewAndIssue } from '../support/issue';
import { invokeOk } from '../support/testDesk';
import { makeTempDir } from '../support/tempDir';

/**
 * Issue 14: while a job writes in a worker, a desk write (issuing a family) commits without
 * SQLite's own sync on the main thread, and the WAL is synced in libuv's pool before the clerk is
 * told (db/deskDriver.ts). The PINs must be as durable as before: on disk before the answer, never
 * reported when the disk refuses the sync, and every later desk write synced by SQLite again.
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
  it('syncs the WAL, with the PINs in it, before the clerk is told; the desk connection is FULL again after', async () => {
    const { desk, file } = await deskWhileAJobWrites('synced');
    const batchId = crypto.randomUUID();
    // Every sync of the WAL through a file handle, with what was committed when it returned.
    const syncs: number[] = [];
    const open = fs.promises.open.bind(fs.promises);
    const opened = vi.spyOn(fs.promises, 'open').mockImplementation(async (...args: Parameters<typeof fs.promises.open>) => {
      const handle = await open(...args);
      if (String(args[0]) === `${file}-wal`) {
        const datasync = handle.datasync.bind(handle);
        handle.datasync = async () => {
          await datasync();
          syncs.push(committedPins(file, batchId));
        };
      }
      return handle;
    });
    onTestFinished(() => opened.mockRestore());

    const { result, plan } = await reviewAndIssue(desk, 'f-lopez', {}, batchId);
    expect(result.ok).toBe(true);
    // At least one sync returned with every PIN of the batch committed, and it did so before the answer came.
    expect(syncs.some((count) => count === plan.pinCount && count > 0)).toBe(true);
    expect(synchronousOf(desk)).toBe(2);
  });

  it('refuses to say the PINs were issued when the disk does not confirm them; the retry of the same batch returns them', async () => {
    const { desk, file } = await deskWhileAJobWrites('refused');
    const open = fs.promises.open.bind(fs.promises);
    const failing = vi.spyOn(fs.promises, 'open').mockImplementation(async (...args: Parameters<typeof fs.promises.open>) => {
      if (String(args[0]) === `${file}-wal`) throw Object.assign(new Error('EIO: i/o error, open'), { code: 'EIO' });
      return open(...args);
    });
    const { result, batchId } = await reviewAndIssue(desk, 'f-lopez');
    failing.mockRestore();
    expect(result.ok).toBe(false);
    expect(synchronousOf(desk)).toBe(2);

    if (!result.ok) expect(result.error.message).toContain('did not confirm the save');

    // The wizard's retry of the same batch, the disk working again: the PINs committed before the failure, once.
    const committed = committedPins(file, batchId);
    expect(committed).toBeGreaterThan(0);
    const retried = await reviewAndIssue(desk, 'f-lopez', {}, batchId);
    expect(retried.result.ok).toBe(true);
    expect(committedPins(file, batchId)).toBe(committed);
  });

  it("answers the clerk's searches while the PINs are synced, but nothing reads the outbox before they are on disk", async () => {
    const { desk, file } = await deskWhileAJobWrites('lent');
    const review = await loadReview(desk, 'f-lopez');
    const plan = planFamily(desk, review);
    // The WAL's sync is held until the test lets it go.
    const { started, letSyncGo } = holdWalSync(file);

    const batchId = crypto.randomUUID();
    let answered = false;
    const issuing = desk.invoke('pins.issue', issueInput(review, plan, batchId)).finally(() => {
      answered = true;
    });
    await started;
    // The enrollments are committed (another connection sees them), not yet synced: the outbox worker's read waits.
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
    expect(answered).toBe(false);

    letSyncGo();
    expect((await issuing).ok).toBe(true);
    expect((await reading).filter((row) => row.kind === 'portal.enrollment')).toHaveLength(plan.pinCount);
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

    const issuing = desk.invoke('pins.issue', issueInput(review, plan));
    await started;
    // The Welcome email is committed, not yet on disk: the worker's look waits; the clerk's search asked after it goes first.
    const draining = desk.deliveries.worker.drain();
    const found = await invokeOk<SearchResults>(desk, 'search.patients', { text: 'Lopez' });
    expect(found.hits.length).toBeGreaterThan(0);
    expect(looked).toBe(false);

    letSyncGo();
    expect((await issuing).ok).toBe(true);
    await draining;
    expect(looked).toBe(true);
  });
});
