import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../electron/main/app';
import { findWorkerEntry, startWorker } from '../../electron/main/lib/workerEntry';
import type { SearchResults } from '../../shared/api';
import { NO_CHOICES } from '../../shared/domain/plan';
import { watchLongestTurn } from '../support/eventLoopTurns';
import { insertFamilies, lopezFamily } from '../support/fixtures';
import { loadReview, openIssuingDesk, planFamily } from '../support/issue';
import { makeTempDir } from '../support/tempDir';
import { invokeOk } from '../support/testDesk';

/**
 * Issue 14: a desk write (issuing a family) that meets a job's write lock waits for it without
 * stopping the app: main's event loop keeps turning, the desk's searches answer, and the PINs are
 * issued once the job's transaction commits. Before, the app's connection waited in SQLite's busy
 * handler, which sleeps main: the clerk's screen froze for the whole job transaction (440 ms at
 * 200,000 patients), and a lock held longer ended in "database is locked".
 */

let temp: ReturnType<typeof makeTempDir>;
let app: App | undefined;

beforeAll(() => {
  temp = makeTempDir('fpp-desk-wait-');
});
afterEach(async () => {
  await app?.close();
  app = undefined;
});
afterAll(() => temp?.remove());

type Message = { type: 'holding' } | { type: 'desk-waiting'; seen: boolean } | { type: 'committed' };

/** tests/support/writeLockWorker.ts in a worker thread: a job's connection holding the write lock until released. */
function startJobWriter(file: string, deskTurn: SharedArrayBuffer, announce: boolean) {
  const launch = findWorkerEntry(import.meta.url, '../support/writeLockWorker.ts', 'writeLockWorker');
  if (!launch) throw new Error('tsx is needed to run the test worker');
  const release = new SharedArrayBuffer(4);
  const worker = startWorker(launch, { file, deskTurn, announce, release });
  const next = (type: Message['type']) =>
    new Promise<Message>((resolve, reject) => {
      const onMessage = (m: Message) => {
        if (m.type !== type) return;
        worker.off('message', onMessage);
        resolve(m);
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
    });
  const holding = next('holding');
  const deskWaiting = next('desk-waiting');
  const committed = next('committed');
  return {
    holding,
    deskWaiting,
    committed,
    release: () => {
      const gate = new Int32Array(release);
      Atomics.store(gate, 0, 1);
      Atomics.notify(gate, 0);
    },
  };
}

async function issueWhileAJobHoldsTheLock(name: string, announce: boolean) {
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
  const longestTurn = watchLongestTurn();
  const batchId = randomUUID();
  let answered = false;
  const issuing = desk
    .invoke('pins.issue', {
      batchId,
      familyId: 'f-lopez',
      choices: NO_CHOICES,
      expectedPatientIds: plan.guardians.flatMap((g) => g.children.map((c) => c.patientId)),
      reviewToken: review.reviewToken,
    })
    .finally(() => {
      answered = true;
    });

  // The worker's message arrives on main's event loop: it turns while the desk's write waits.
  expect(await job.deskWaiting).toEqual({ type: 'desk-waiting', seen: true });
  // The clerk searches meanwhile: answered from the same connection, not queued behind the write.
  const found = await invokeOk<SearchResults>(desk, 'search.patients', { text: 'Lopez' });
  expect(found.hits.map((h) => h.patientId).sort()).toEqual(['p-ana', 'p-luis', 'p-sofia']);
  expect(answered).toBe(false);

  job.release();
  const issued = await issuing;
  expect(issued.ok).toBe(true);
  await job.committed;
  // Both writes are there: the job's and the family's PINs.
  const s = desk.context.sqlite;
  expect(s.prepare(`SELECT value FROM sync_state WHERE key = 'job_probe'`).pluck().get()).toBe('written by the job');
  expect(s.prepare(`SELECT count(*) FROM pins WHERE batch_id = ?`).pluck().get(batchId)).toBeGreaterThan(0);
  // No turn of the loop as long as the lock was held (SQLite's busy handler would have slept it for all of it).
  expect(await longestTurn()).toBeLessThan(1_000);
}

describe('a desk write while a job holds the write lock', () => {
  it('announced as the job worker does: the family is issued after the job commits, and the desk answers meanwhile', async () => {
    await issueWhileAJobHoldsTheLock('announced', true);
  });

  it('by a writer that did not announce itself: the same, the desk retrying on a timer instead of sleeping', async () => {
    await issueWhileAJobHoldsTheLock('unannounced', false);
  });
});
