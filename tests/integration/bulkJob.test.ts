import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SearchResults, StatusInfo } from '../../shared/api';
import type { EligibleGuardian, ExclusionRow, ReadinessSummary, WorklistPage } from '../../shared/bulk/api';
import { jobLabel, type JobView } from '../../shared/jobs/jobs';
import { createApp, type App } from '../../electron/main/app';
import { bulkHandlers } from '../../electron/main/bulk/bulkHandlers';
import { signInAs } from '../../electron/main/clerks/sessionService';
import { DEMO_ADMIN_CLERK_ID } from '../../electron/main/demo/demoPractice';
import { csvRows } from '../support/csvRows';
import { makeTempDir } from '../support/tempDir';
import { waitFor } from '../support/waitFor';

/**
 * Bulk PIN readiness as a job (issue 14): worked out in a worker thread with its own connection to
 * a real SQLite file, its progress in the status bar, cancellable, and the answer kept for the
 * screen's next calls. The same answer as the in-thread pass (bulk.test.ts covers the rules).
 */

const PATIENTS = 6_000;
const repoRoot = path.resolve(import.meta.dirname, '../..');
let temp: ReturnType<typeof makeTempDir>;
let app: App;

async function ok<T>(name: string, input: unknown): Promise<T> {
  const result = await app.invoke(name, input);
  if (!result.ok) throw new Error(`${name}: ${result.error.message}`);
  return result.value as T;
}
const bulkJobs = async () => (await ok<StatusInfo>('status.get', {})).jobs.filter((j) => j.kind === 'bulk.readiness');

beforeEach(async () => {
  temp = makeTempDir('fpp-bulkjob-');
  app = await createApp({ databaseFile: temp.file('practice.sqlite'), workstation: 'desk-1', demo: { patients: PATIENTS } });
  await signInAs(app.context, DEMO_ADMIN_CLERK_ID);
});
afterEach(async () => {
  await app?.close();
  temp.remove();
});

describe('Bulk PIN readiness as a job', () => {
  it('is worked out in a worker, says how far it got, and gives the same picture as the in-thread pass', async () => {
    expect(app.jobs.hasWorker).toBe(true);
    const readiness = await ok<ReadinessSummary>('bulk.readiness', {});
    const [job] = await bulkJobs();
    expect(job).toMatchObject({ state: 'done', rowsDone: job!.rowsTotal });
    expect(job!.rowsTotal).toBeGreaterThanOrEqual(PATIENTS);
    expect(jobLabel(job!)).toBe(`Bulk PIN readiness finished (${job!.rowsTotal.toLocaleString('en-US')} patients read)`);

    // The in-thread pass (no job runner) over the same file agrees, count for count and row for row.
    const here = bulkHandlers(app.context, { exportDir: temp.file('here') });
    const inThread = await here['bulk.readiness']({});
    expect({ ...readiness, elapsedMs: 0, computedAt: '' }).toEqual({ ...inThread, elapsedMs: 0, computedAt: '' });
    expect(readiness.eligibleGuardians).toBeGreaterThan(0);
    const page = { limit: 50, offset: 20 };
    expect(await ok<{ guardians: EligibleGuardian[] }>('bulk.eligible', page)).toEqual(await here['bulk.eligible'](page));
    expect(await ok<{ rows: ExclusionRow[] }>('bulk.exclusions', { ...page, reason: 'no_email' })).toEqual(
      await here['bulk.exclusions']({ ...page, reason: 'no_email' }),
    );
    expect(await ok<WorklistPage>('bulk.worklist', { ...page, problem: 'missing_mobile' })).toEqual(
      await here['bulk.worklist']({ ...page, problem: 'missing_mobile' }),
    );
    // The screen's next calls are answered from the job's picture: no second job.
    expect(await bulkJobs()).toHaveLength(1);
  });

  it('the status bar shows its progress while the desk keeps answering', async () => {
    const seen: JobView[] = [];
    const readiness = ok<ReadinessSummary>('bulk.readiness', {});
    // Searches answered between two looks at the status bar that both showed the job running.
    let answeredMidJob = 0;
    await waitFor(
      async () => {
        const [before] = await bulkJobs();
        const hits = (await ok<SearchResults>('search.patients', { text: 'a' })).hits.length;
        const [after] = await bulkJobs();
        for (const job of [before, after]) if (job) seen.push(job);
        if (before?.state === 'running' && after?.state === 'running' && hits > 0) answeredMidJob += 1;
        return after?.state === 'done';
      },
      { what: 'the Bulk PIN job to finish', every: 5 },
    );
    await readiness;
    expect(answeredMidJob).toBeGreaterThan(0);
    const counted = seen.filter((j) => j.state === 'running' && j.rowsDone > 0);
    expect(counted.length).toBeGreaterThan(0);
    expect(jobLabel(counted[0]!)).toMatch(/^Bulk PIN readiness \d+% \([\d,]+ of [\d,]+ patients read\)$/);
  });

  it('a cancel stops it and keeps nothing; the next call works it out again', async () => {
    const readiness = ok<ReadinessSummary>('bulk.readiness', {});
    const outcome = readiness.then(
      () => 'finished',
      (error: Error) => error.message,
    );
    await waitFor(async () => (await bulkJobs()).some((j) => j.state === 'running'), { what: 'the Bulk PIN job to start', every: 5 });
    const [running] = await bulkJobs();
    const cancelled = await ok<JobView>('jobs.cancel', { jobId: running!.id });
    expect(cancelled).toMatchObject({ id: running!.id, kind: 'bulk.readiness', state: 'cancelled' });
    expect(jobLabel(cancelled)).toBe('Bulk PIN readiness cancelled: nothing was kept');
    // The screen's call says so, in the practice's words (unless the job had already finished).
    const said = await outcome;
    if (said !== 'finished')
      expect(said).toMatch(/^bulk\.readiness: Working out Bulk PIN readiness was cancelled; nothing was kept\. Open the Bulk PIN screen again/);
    // Cancelling twice says it has ended.
    const again = await app.invoke('jobs.cancel', { jobId: running!.id });
    expect(again.ok).toBe(false);

    const fresh = await ok<ReadinessSummary>('bulk.readiness', {});
    expect(fresh.eligibleGuardians).toBeGreaterThan(0);
    expect((await bulkJobs()).map((j) => j.state)).toEqual(['done', 'cancelled']);
  });

  it('a change to the mirror makes the next call work it out again; an export is written by the job and leaves no temporary file', async () => {
    const before = await ok<ReadinessSummary>('bulk.readiness', {});
    const exported = await ok<{ file: string; rows: number }>('bulk.export', { kind: 'bulk_pin' });
    const records = csvRows(fs.readFileSync(exported.file, 'utf8'));
    expect(records.length - 1).toBe(exported.rows);
    expect(exported.rows).toBe(before.eligibleChildren);
    expect(fs.readdirSync(path.dirname(exported.file))).toEqual([path.basename(exported.file)]);
    // The export ran as a job of its own, in the worker that holds the picture: rows written, out of how many.
    const exportJob = (await ok<StatusInfo>('status.get', {})).jobs.find((j) => j.kind === 'bulk.export')!;
    expect(exportJob).toMatchObject({ state: 'done', rowsDone: exported.rows, rowsTotal: exported.rows });
    expect(jobLabel(exportJob)).toBe(`Bulk PIN export finished (${exported.rows.toLocaleString('en-US')} rows written)`);
    // The export's own audit row does not make the picture stale.
    const jobsAfterExport = (await bulkJobs()).length;
    await ok<ReadinessSummary>('bulk.readiness', {});
    expect(await bulkJobs()).toHaveLength(jobsAfterExport);

    // A guardian's email removed (another connection, as a pull would): one child fewer in the campaign.
    const { guardians } = await ok<{ guardians: EligibleGuardian[] }>('bulk.eligible', { limit: 1, offset: 0 });
    const guardian = guardians[0]!;
    const other = new (await import('better-sqlite3')).default(temp.file('practice.sqlite'));
    other.prepare('UPDATE contacts SET email = NULL WHERE id = ?').run(guardian.contactId);
    other.close();
    const after = await ok<ReadinessSummary>('bulk.readiness', {});
    expect(after.eligibleGuardians).toBe(before.eligibleGuardians - 1);
    expect(after.eligibleChildren).toBe(before.eligibleChildren - guardian.children.length);
    expect(await bulkJobs()).toHaveLength(jobsAfterExport + 1);
  });
});

describe('a crash while the Bulk PIN file is written', () => {
  it('leaves no file under its name and a sound mirror; the next start writes it whole', async () => {
    // A practice large enough that the file takes several progress reports to write.
    await app.close();
    const databaseFile = path.join(temp.dir, 'crash', 'practice.sqlite');
    fs.mkdirSync(path.dirname(databaseFile), { recursive: true });
    app = await createApp({ databaseFile, workstation: 'desk-crash', demo: { patients: 12_000 } });
    await app.close();

    // One process (no tsx CLI wrapper), so SIGKILL reaches the workstation itself.
    const child = spawn(process.execPath, ['--import', 'tsx', 'tests/support/bulkExportChild.ts', databaseFile, DEMO_ADMIN_CLERK_ID], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const killedAt = await new Promise<{ rowsDone: number; rowsTotal: number }>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const progress = output.split('\n').find((line) => line.startsWith('{'));
        if (progress) resolve(JSON.parse(progress));
      });
      child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.once('exit', (code) => reject(new Error(`the workstation ended (${code}) before writing anything:\n${output}`)));
    });
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
    expect(killedAt.rowsDone).toBeLessThan(killedAt.rowsTotal);
    expect(output).not.toContain('finished');

    // Nothing the administrator would open: no CSV at all in the export folder (at most a hidden temporary file).
    const exportDir = path.join(path.dirname(databaseFile), 'exports');
    const left = fs.existsSync(exportDir) ? fs.readdirSync(exportDir) : [];
    expect(left.filter((name) => !name.startsWith('.'))).toEqual([]);
    expect(left.every((name) => name.endsWith('.tmp'))).toBe(true);

    app = await createApp({ databaseFile, workstation: 'desk-crash' });
    expect(app.context.sqlite.pragma('quick_check', { simple: true })).toBe('ok');
    // No audit entry for a file that was never saved.
    expect(app.context.sqlite.prepare(`SELECT count(*) FROM audit_log WHERE action = 'bulk_exported'`).pluck().get()).toBe(0);
    await signInAs(app.context, DEMO_ADMIN_CLERK_ID);
    const readiness = await ok<ReadinessSummary>('bulk.readiness', {});
    const exported = await ok<{ file: string; rows: number }>('bulk.export', { kind: 'bulk_pin' });
    expect(exported.rows).toBe(readiness.eligibleChildren);
    expect(csvRows(fs.readFileSync(exported.file, 'utf8'))).toHaveLength(exported.rows + 1);
  }, 180_000);
});
