import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SearchResults, StatusInfo } from '../../shared/api';
import type { ImportResult } from '../../shared/bulk/api';
import { jobLabel, type JobView } from '../../shared/jobs/jobs';
import { createApp, type App } from '../../electron/main/app';
import { verifyAuditChain } from '../../electron/main/audit/verify';
import { signInAs } from '../../electron/main/clerks/sessionService';
import { DEMO_ADMIN_CLERK_ID, demoScenarioFamilies } from '../../electron/main/demo/demoPractice';
import { reviewAndIssue } from '../support/issue';
import { importedFamilies, lastNameOf, practiceExport, ROWS_PER_FAMILY } from '../support/practiceExport';
import { makeTempDir } from '../support/tempDir';

/**
 * The job runner (issue 14) with a real SQLite file, real worker threads and a real child process
 * killed with SIGKILL: an import applies in short transactions, the desk writes in between, a
 * cancel keeps only whole families, and a crash resumes at the next start.
 */

const FAMILIES = 4_000;
const repoRoot = path.resolve(import.meta.dirname, '../..');
let temp: ReturnType<typeof makeTempDir>;
let app: App;

async function ok<T>(name: string, input: unknown): Promise<T> {
  const result = await app.invoke(name, input);
  if (!result.ok) throw new Error(`${name}: ${result.error.message}`);
  return result.value as T;
}
const runOf = (a: App, id: string) =>
  a.context.sqlite
    .prepare('SELECT state, rows_done, rows_total, resumed, (SELECT count(*) FROM job_payloads WHERE job_id = r.id) AS staged FROM job_runs r WHERE id = ?')
    .get(id) as {
    state: string;
    rows_done: number;
    rows_total: number;
    resumed: number;
    staged: number;
  };
const mmapSize = () => Number(app.context.sqlite.pragma('mmap_size', { simple: true }));
const searchCount = async (text: string) => (await ok<SearchResults>('search.patients', { text })).hits.length;

async function expectSound(a: App): Promise<void> {
  expect(a.context.sqlite.pragma('quick_check', { simple: true })).toBe('ok');
  const verified = await verifyAuditChain(a.context.db, a.context.sqlite);
  expect(verified.problem).toBeNull();
  expect(verified.ok).toBe(true);
}

beforeEach(async () => {
  temp = makeTempDir('fpp-jobs-');
  // A small demo practice (the desk's families), an administrator signed in to import.
  app = await createApp({ databaseFile: temp.file('practice.sqlite'), workstation: 'desk-1', demo: { families: 12 } });
  await signInAs(app.context, DEMO_ADMIN_CLERK_ID);
});
afterEach(async () => {
  await app?.close();
  temp.remove();
});

describe('an import applied as a job', () => {
  it('lets the desk issue a family while it is mid-way, and ends whole', async () => {
    const familyId = demoScenarioFamilies(app.context.sqlite)['siblings-2'][0]!;
    let issuedMidway: { state: string; rows_done: number; rows_total: number; mapped: number } | null = null;
    let issuing: Promise<void> | null = null;
    const result = await app.importer.apply(
      { files: practiceExport(FAMILIES) },
      {
        progress: (jobId) => {
          // The first committed transaction: the desk issues a family now, through the contract.
          issuing ??= reviewAndIssue(app, familyId).then(({ result }) => {
            if (!result.ok) throw new Error(`pins.issue: ${result.error.message}`);
            const run = runOf(app, jobId);
            issuedMidway = { state: run.state, rows_done: run.rows_done, rows_total: run.rows_total, mapped: mmapSize() };
          });
        },
      },
    );
    await issuing;
    // The PINs were issued while the import was still applying (its run record says so), not after it.
    expect(issuedMidway).not.toBeNull();
    expect(issuedMidway!.state).toBe('running');
    expect(issuedMidway!.rows_done).toBeGreaterThan(0);
    expect(issuedMidway!.rows_done).toBeLessThan(issuedMidway!.rows_total);
    // The desk reads without its memory map while the job grows the file, and with it again after (db/open.ts, jobRunner.ts).
    expect(issuedMidway!.mapped).toBe(0);
    expect(mmapSize()).toBeGreaterThan(0);
    expect(
      app.context.sqlite.prepare(`SELECT count(*) FROM pins p JOIN patients c ON c.id = p.patient_id WHERE c.family_id = ?`).pluck().get(familyId),
    ).toBeGreaterThan(0);

    expect(result.applied).toBe(true);
    expect(result.job).toMatchObject({ state: 'done', rowsDone: FAMILIES * ROWS_PER_FAMILY, rowsTotal: FAMILIES * ROWS_PER_FAMILY });
    expect(result.changes).toEqual({ inserted: FAMILIES * ROWS_PER_FAMILY, updated: 0, unchanged: 0 });
    expect(importedFamilies(app.context.sqlite)).toEqual({ families: FAMILIES, patients: 2 * FAMILIES, notWhole: [] });
    expect(await searchCount(lastNameOf(FAMILIES - 1))).toBe(2);
    // The staged files are dropped once the job ends.
    expect(runOf(app, result.job!.id).staged).toBe(0);
    const status = await ok<StatusInfo>('status.get', {});
    expect(status.jobs[0]).toMatchObject({ id: result.job!.id, state: 'done' });
    expect(jobLabel(status.jobs[0]!)).toBe(`Import finished (${(FAMILIES * ROWS_PER_FAMILY).toLocaleString('en-US')} rows)`);
    await expectSound(app);
  });

  it('cancelled mid-way keeps only whole families, each findable, and says how far it got', async () => {
    const before = importedFamilies(app.context.sqlite);
    expect(before.families).toBe(0);
    let cancelled: Promise<JobView> | null = null;
    const result: ImportResult = await app.importer.apply(
      { files: practiceExport(FAMILIES) },
      {
        progress: (jobId) => {
          cancelled ??= ok<JobView>('jobs.cancel', { jobId });
        },
      },
    );
    // Asked while it ran; the job may have seen it already.
    expect(['cancelling', 'cancelled']).toContain((await (cancelled as Promise<JobView> | null))?.state);

    const job = result.job!;
    expect(job.state).toBe('cancelled');
    expect(job.rowsDone).toBeGreaterThan(0);
    expect(job.rowsDone).toBeLessThan(job.rowsTotal);
    expect(job.message).toMatch(/^Cancelled: \d+ of 24000 rows were applied, each family whole; the rest was not\.$/);
    // What the clerk sees: whole families only, as many as the record says, each child findable.
    const after = importedFamilies(app.context.sqlite);
    expect(after.notWhole).toEqual([]);
    expect(after.families * ROWS_PER_FAMILY).toBe(job.rowsDone);
    expect(after.patients).toBe(2 * after.families);
    expect(await searchCount(lastNameOf(0))).toBe(2);
    expect(await searchCount(lastNameOf(FAMILIES - 1))).toBe(0);
    // Audited as an import stopped part-way, with the counts.
    const audit = app.context.sqlite.prepare(`SELECT action, details FROM audit_log WHERE action LIKE 'import_%'`).all() as {
      action: string;
      details: string;
    }[];
    expect(audit.map((a) => a.action)).toEqual(['import_stopped']);
    expect(JSON.parse(audit[0]!.details).job).toEqual({ id: job.id, state: 'cancelled', rowsDone: job.rowsDone, rowsTotal: job.rowsTotal });
    // The status bar says it.
    const status = await ok<StatusInfo>('status.get', {});
    expect(jobLabel(status.jobs[0]!)).toBe(`Import cancelled: ${job.rowsDone.toLocaleString('en-US')} of 24,000 rows were applied, each family whole`);
    // A cancel after the end is refused in words.
    const again = await app.invoke('jobs.cancel', { jobId: job.id });
    expect(again).toMatchObject({ ok: false, error: { code: 'conflict' } });
    await expectSound(app);
  });

  it('is cancelled by administrators only', async () => {
    await signInAs(app.context, 'clerk-demo');
    const refused = await app.invoke('jobs.cancel', { jobId: '00000000-0000-4000-8000-000000000000' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });
});

describe('a workstation killed while an import applies', () => {
  it('resumes the import at the next start: every family whole, the file and the audit chain sound', async () => {
    const databaseFile = app.context.sqlite.name;
    await app.close();
    const filesJson = temp.file('files.json');
    fs.writeFileSync(filesJson, JSON.stringify(practiceExport(FAMILIES)));

    // One process (no tsx CLI wrapper), so SIGKILL reaches the workstation itself.
    const child = spawn(process.execPath, ['--import', 'tsx', 'tests/support/importChild.ts', databaseFile, filesJson, DEMO_ADMIN_CLERK_ID], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const killedAt = await new Promise<{ jobId: string; rowsDone: number; rowsTotal: number }>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const progress = output.split('\n').find((line) => line.startsWith('{'));
        if (progress) resolve(JSON.parse(progress));
      });
      child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.once('exit', (code) => reject(new Error(`the import process ended (${code}) before applying anything:\n${output}`)));
    });
    // SIGKILL as soon as the first transaction committed: the worker is writing the next one.
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
    expect(output).not.toContain('finished');

    app = await createApp({ databaseFile, workstation: 'desk-crash' });
    const interrupted = runOf(app, killedAt.jobId);
    expect(interrupted.rows_done).toBeGreaterThanOrEqual(killedAt.rowsDone);
    expect(interrupted.rows_done).toBeLessThan(interrupted.rows_total);
    // The app resumed it at start.
    await app.jobs.whenIdle();

    const run = runOf(app, killedAt.jobId);
    expect(run).toMatchObject({ state: 'done', resumed: 1, rows_done: FAMILIES * ROWS_PER_FAMILY, staged: 0 });
    expect(importedFamilies(app.context.sqlite)).toEqual({ families: FAMILIES, patients: 2 * FAMILIES, notWhole: [] });
    const audit = app.context.sqlite.prepare(`SELECT details FROM audit_log WHERE action = 'import_applied'`).pluck().all() as string[];
    expect(audit).toHaveLength(1);
    expect(JSON.parse(audit[0]!).changes).toEqual({ inserted: FAMILIES * ROWS_PER_FAMILY, updated: 0, unchanged: 0 });
    await signInAs(app.context, DEMO_ADMIN_CLERK_ID);
    const status = await ok<StatusInfo>('status.get', {});
    expect(status.jobs[0]).toMatchObject({ id: killedAt.jobId, state: 'done', resumed: true });
    expect(jobLabel(status.jobs[0]!)).toBe('Import finished (24,000 rows), resumed after a restart');
    await expectSound(app);
    // The killed job's second worker left its scratch file of search terms (search/termStager.ts): the resumed job removed it.
    expect(fs.existsSync(`${databaseFile}-import-terms`)).toBe(false);
  });
});
