import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../electron/main/app';
import { DeskTurn, waitForDesk } from '../../electron/main/db/deskTurn';
import { DEMO_ADMIN_CLERK_ID } from '../../electron/main/demo/demoPractice';
import { applyImport } from '../../electron/main/importer/applyCore';
import { practiceExport, ROWS_PER_FAMILY } from '../support/practiceExport';
import { makeTempDir } from '../support/tempDir';

/**
 * Issue 14, import apply speed: a job's intermediate transactions may skip the fsync (the worker
 * sets synchronous NORMAL for them), but the one that ends the job (its audit entry and its
 * 'done' / 'cancelled') must be on disk when the clerk is told; and a job writes larger
 * transactions only while the desk is idle.
 */

const FAMILIES = 600;
let temp: ReturnType<typeof makeTempDir>;
let app: App;

beforeEach(async () => {
  temp = makeTempDir('fpp-import-durability-');
  app = await createApp({ databaseFile: temp.file('practice.sqlite'), workstation: 'desk-1', demo: { families: 4 } });
});
afterEach(async () => {
  await app?.close();
  temp.remove();
});

const request = () => ({
  input: { files: practiceExport(FAMILIES) },
  today: '2026-11-22',
  now: new Date().toISOString(),
  clerkId: DEMO_ADMIN_CLERK_ID,
  workstation: 'desk-1',
});

describe('an import applied in short transactions', () => {
  it('asks for a durable commit exactly for the transaction that ends the job', async () => {
    const asked: boolean[] = [];
    const { sqlite } = app.context;
    const result = await applyImport(sqlite, request(), {
      durability: (full) => asked.push(full),
      progress: () => undefined,
    });
    expect(result.job).toMatchObject({ state: 'done', rowsDone: FAMILIES * ROWS_PER_FAMILY });
    expect(asked.length).toBeGreaterThan(1);
    expect(asked.at(-1)).toBe(true);
    expect(asked.slice(0, -1).every((full) => !full)).toBe(true);
  });

  it('a cancel seen before a transaction makes that transaction (the one that says cancelled) durable', async () => {
    const asked: boolean[] = [];
    const { sqlite } = app.context;
    let jobId = '';
    const result = await applyImport(
      sqlite,
      request(),
      {
        durability: (full) => asked.push(full),
        progress: () => {
          if (asked.length === 1) sqlite.prepare(`UPDATE job_runs SET state = 'cancelling' WHERE id = ?`).run(jobId);
        },
      },
      { started: (id) => (jobId = id) },
    );
    expect(result.job?.state).toBe('cancelled');
    // The applied families' search terms go in after the cancel is seen (search/termMerge.ts), then the
    // transaction that says cancelled: only that one is durable.
    expect(asked.length).toBeGreaterThan(1);
    expect(asked.at(-1)).toBe(true);
    expect(asked.slice(0, -1).every((full) => !full)).toBe(true);
  });
});

describe('waitForDesk', () => {
  it('says the desk was idle when no call uses the app connection, and busy when one did', () => {
    const turn = new DeskTurn();
    expect(waitForDesk(turn.buffer, 5)).toBe(false);
    turn.enter();
    // The desk keeps the connection past the wait: the job goes on after at most maxWaitMs, knowing the desk is there.
    expect(waitForDesk(turn.buffer, 5)).toBe(true);
    turn.leave();
    expect(waitForDesk(turn.buffer, 5)).toBe(false);
  });
});
