import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { localDateIn } from '../../shared/domain/dates';
import type { App } from '../../electron/main/app';
import { verifyAuditChain } from '../../electron/main/audit/verify';
import { JOB_THREAD_NICE } from '../../electron/main/lib/threadPriority';
import { INDEX_STALE_KEY, PULL_CURSOR_KEY, type PullProgress } from '../../electron/main/sync/pull';
import type { StatusInfo } from '../../shared/api';
import { jobLabel, type JobView } from '../../shared/jobs/jobs';
import type { ChangesPageEnvelope } from '../../shared/sync/protocol';
import { APPLY_PART_ROWS, applyPageOfRun, applyPageSteps } from '../../electron/main/sync/applyOps';
import { patientRecord, STAMP } from '../support/syncRecords';
import { LOPEZ_CHILDREN } from '../support/fixtures';
import { reviewAndIssue } from '../support/issue';
import { startPortal, type PortalServer } from '../support/portal/server';
import { asAdministrator } from '../support/signIn';
import { ADA_ADMIN, DANA, invokeOk, openTestDesk } from '../support/testDesk';
import { makeTempDir } from '../support/tempDir';

/**
 * A pull writes its pages and search terms in the job runner's worker thread (issue 14), over
 * real HTTP from the reference practice system: the desk issues a family between two pages, and
 * a workstation killed with SIGKILL mid-pull resumes at its cursor with a sound file.
 */

const FAMILIES = 600;
const TOKEN = 'jobs-pull-token';
const repoRoot = path.resolve(import.meta.dirname, '../..');
let temp: ReturnType<typeof makeTempDir>;
let portal: PortalServer;
let portalPatients: number;
let app: App;

beforeAll(async () => {
  temp = makeTempDir('fpp-jobs-pull-');
  const today = localDateIn(new Date(), 'America/New_York');
  portal = await startPortal({ dbFile: temp.file('portal.sqlite'), token: TOKEN, seedDemo: { families: FAMILIES, today, now: new Date() } });
  const db = new BetterSqlite3(temp.file('portal.sqlite'), { readonly: true });
  portalPatients = db.prepare('SELECT count(*) FROM patients').pluck().get() as number;
  db.close();
}, 120_000);
afterAll(async () => {
  await portal?.close();
  temp?.remove();
});

let deskNumber = 0;
beforeEach(async () => {
  // A desk with one family of its own (the Lopez family), set up for sync, the clerk Dana signed in.
  app = await openTestDesk(temp.file(`desk-${++deskNumber}/practice.sqlite`), {
    workstation: 'desk-1',
    settings: { timeZone: 'America/New_York', portalUrl: 'https://portal.example.org' },
    clerks: [DANA, ADA_ADMIN],
    families: [
      {
        id: 'f-desk-lopez',
        name: 'Lopez',
        children: LOPEZ_CHILDREN,
        contacts: [
          {
            id: 'c-desk-maria',
            firstName: 'Maria',
            lastName: 'Lopez',
            email: 'maria@example.com',
            links: LOPEZ_CHILDREN.map((c) => ({ patientId: c.id, sort: 1, authority: 'Joint' as const, residesWith: true })),
          },
        ],
      },
    ],
  });
  await asAdministrator(app, async () => {
    await invokeOk(app, 'settings.update', { changes: { syncUrl: portal.url } });
    await invokeOk(app, 'secrets.set', { key: 'syncToken', value: TOKEN });
  });
});
afterEach(async () => {
  await app?.close();
});

interface PullRunRow {
  id: string;
  state: string;
  rows_done: number;
  rows_total: number;
  resume_point: string | null;
  message: string | null;
  resumed: number;
}
const pullRuns = (a: App) => a.context.sqlite.prepare(`SELECT * FROM job_runs WHERE kind = 'sync.pull' ORDER BY started_at`).all() as PullRunRow[];
const pulledPatients = (a: App) => a.context.sqlite.prepare(`SELECT count(*) FROM patients WHERE id NOT LIKE 'p-%'`).pluck().get() as number;
const n = (x: number) => x.toLocaleString('en-US');

/** Each thread of this process by its nice value (Linux: the 19th field of /proc/self/task/<tid>/stat). */
function threadNices(): Map<number, number> {
  const nices = new Map<number, number>();
  for (const tid of fs.readdirSync('/proc/self/task')) {
    try {
      const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      nices.set(Number(tid), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]));
    } catch {
      // the thread ended meanwhile
    }
  }
  return nices;
}
const thisThread = () => Number(fs.readlinkSync('/proc/thread-self').split('/').at(-1));

async function expectSoundMirror(a: App): Promise<void> {
  const s = a.context.sqlite;
  expect(s.pragma('quick_check', { simple: true })).toBe('ok');
  const verified = await verifyAuditChain(a.context.db, s);
  expect(verified.problem).toBeNull();
  // Every patient pulled is findable, and the index is not left marked stale.
  expect(s.prepare(`SELECT count(*) FROM patients p WHERE NOT EXISTS (SELECT 1 FROM search_terms t WHERE t.patient_id = p.id)`).pluck().get()).toBe(0);
  expect(s.prepare('SELECT value FROM sync_state WHERE key = ?').pluck().get(INDEX_STALE_KEY) ?? 'false').toBe('false');
}

describe('a pull written by the job worker', () => {
  it('lets the desk issue a family between two of its pages, and fills the mirror', async () => {
    expect(app.jobs.hasWorker).toBe(true);
    const endpoint = (await app.deliveries.endpoint())!;
    let pages = 0;
    let pagesWhenIssued: number | null = null;
    let issuing: Promise<void> | null = null;
    let nicesDuringPull: Map<number, number> | null = null;
    const summary = await app.deliveries.pulls.pull({ ...endpoint, pageLimit: 200 }, () => {
      pages += 1;
      if (process.platform === 'linux') nicesDuringPull ??= threadNices();
      issuing ??= reviewAndIssue(app, 'f-desk-lopez').then(({ result }) => {
        if (!result.ok) throw new Error(`pins.issue: ${result.error.message}`);
        pagesWhenIssued = pages;
      });
    });
    await issuing;
    // Issued after the first page and before the last: pages were applied after the PINs were.
    expect(pagesWhenIssued).not.toBeNull();
    expect(pagesWhenIssued!).toBeLessThan(summary.pages);
    expect(app.context.sqlite.prepare(`SELECT count(*) FROM pins WHERE patient_id IN ('p-ana', 'p-luis', 'p-sofia')`).pluck().get()).toBe(3);
    expect(pulledPatients(app)).toBe(portalPatients);
    await expectSoundMirror(app);
    if (process.platform === 'linux') {
      // The job's worker thread gives way to the desk's thread (lib/threadPriority.ts), which keeps its own priority;
      // from sources (as here) so does the loader thread that compiles the worker's TypeScript.
      const nices = nicesDuringPull!;
      expect(nices.get(thisThread())).toBe(0);
      expect([...nices.values()].filter((nice) => nice === JOB_THREAD_NICE).length).toBeGreaterThanOrEqual(2);
    }
    // A job with its run record: the status bar says how it ended.
    const runs = pullRuns(app);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ state: 'done', rows_done: summary.rows + summary.tombstones, rows_total: summary.rows + summary.tombstones, resumed: 0 });
    const status = await invokeOk<StatusInfo>(app, 'status.get');
    const job = status.jobs.find((j) => j.id === runs[0]!.id)!;
    expect(jobLabel(job)).toBe(`Sync finished (${n(summary.rows + summary.tombstones)} rows)`);
  });

  it('cancelled by an administrator, stops between pages: what arrived is whole and findable, and the next sync continues', async () => {
    const endpoint = (await app.deliveries.endpoint())!;
    let cancelled: Promise<JobView> | null = null;
    let last: PullProgress | null = null;
    const pull = app.deliveries.pulls.pull({ ...endpoint, pageLimit: 200 }, (p) => {
      last = p;
      // Once patients have arrived (the practice system sends families and contacts first), the
      // administrator reads the running sync in the status bar and cancels it there.
      if (pulledPatients(app) === 0) return;
      cancelled ??= asAdministrator(app, async () => {
        const status = await invokeOk<StatusInfo>(app, 'status.get');
        const running = status.jobs.find((j) => j.kind === 'sync.pull' && j.state === 'running');
        if (!running) throw new Error(`no running sync in the status bar: ${JSON.stringify(status.jobs)}`);
        expect(jobLabel(running)).toMatch(/^Sync \d+% applied \([\d,]+ of [\d,]+ rows\)$/);
        return invokeOk<JobView>(app, 'jobs.cancel', { jobId: running.id });
      });
    });
    await expect(pull).rejects.toThrow(
      /^Sync cancelled by an administrator after [\d,]+ rows, each page applied whole; the next sync continues where it stopped\.$/,
    );
    expect(['cancelling', 'cancelled']).toContain((await cancelled!).state);

    const [run] = pullRuns(app);
    expect(run).toMatchObject({ state: 'cancelled' });
    // Stopped between pages: the record counts exactly the pages the pull reported, and the saved cursor is its own.
    expect(run!.rows_done).toBe((last as PullProgress | null)!.rowsDone);
    expect(run!.rows_done).toBeLessThan(run!.rows_total);
    const cursor = app.context.sqlite.prepare('SELECT value FROM sync_state WHERE key = ?').pluck().get(PULL_CURSOR_KEY);
    expect(JSON.parse(run!.resume_point!)).toEqual({ cursor });
    // Part of the practice arrived; each patient of it is findable (nothing waits for search terms).
    const arrived = pulledPatients(app);
    expect(arrived).toBeGreaterThan(0);
    expect(arrived).toBeLessThan(portalPatients);
    await expectSoundMirror(app);
    const status = await invokeOk<StatusInfo>(app, 'status.get');
    expect(jobLabel(status.jobs.find((j) => j.id === run!.id)!)).toBe(
      `Sync cancelled: ${n(run!.rows_done)} of ${n(run!.rows_total)} rows were applied, each page whole; the next sync continues from there`,
    );

    // The next sync continues from the cursor, in a run of its own, and fills the mirror.
    const summary = await app.deliveries.pulls.pull({ ...endpoint, pageLimit: 200 });
    expect(summary.rows + summary.tombstones).toBe(run!.rows_total - run!.rows_done);
    expect(pulledPatients(app)).toBe(portalPatients);
    expect(pullRuns(app).map((r) => r.state)).toEqual(['cancelled', 'done']);
    await expectSoundMirror(app);
  });

  it('resumes at its cursor after the workstation is killed mid-pull', async () => {
    const databaseFile = app.context.sqlite.name;
    await app.close();
    // One process (no tsx CLI wrapper), so SIGKILL reaches the workstation itself.
    const child = spawn(process.execPath, ['--import', 'tsx', 'tests/support/pullChild.ts', databaseFile], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('{')) resolve();
      });
      child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.once('exit', (code) => reject(new Error(`the pull process ended (${code}) before applying a page:\n${output}`)));
    });
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
    expect(output).not.toContain('finished');

    // The killed pull's record was left open, with the cursor of its last page.
    const killed = new BetterSqlite3(databaseFile, { readonly: true });
    const open = killed.prepare(`SELECT state, rows_done, resume_point FROM job_runs WHERE kind = 'sync.pull'`).all() as PullRunRow[];
    const savedCursor = killed.prepare('SELECT value FROM sync_state WHERE key = ?').pluck().get(PULL_CURSOR_KEY);
    const before = killed.prepare(`SELECT count(*) FROM patients WHERE id NOT LIKE 'p-%'`).pluck().get() as number;
    killed.close();
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({ state: 'running' });
    expect(open[0]!.rows_done).toBeGreaterThan(0);
    expect(JSON.parse(open[0]!.resume_point!)).toEqual({ cursor: savedCursor });
    expect(before).toBeLessThan(portalPatients);

    // The next start resumes the pull on its own, from the saved cursor.
    app = await openTestDesk(databaseFile, { workstation: 'desk-1', clerks: [DANA] });
    await app.jobs.whenIdle();
    expect(pulledPatients(app)).toBe(portalPatients);
    await expectSoundMirror(app);
    const [run] = pullRuns(app);
    expect(run).toMatchObject({ state: 'done', resumed: 1 });
    expect(run!.rows_done).toBe(run!.rows_total);
    expect(run!.rows_done).toBeGreaterThan(open[0]!.rows_done);
    const status = await invokeOk<StatusInfo>(app, 'status.get');
    expect(jobLabel(status.jobs.find((j) => j.id === run!.id)!)).toBe(`Sync finished (${n(run!.rows_total)} rows), resumed after a restart`);
  });
});

describe('a page written in parts', () => {
  it('moves the cursor with its last part only: a page cut off between parts is written again whole', () => {
    const s = app.context.sqlite;
    const families = Array.from({ length: 600 }, (_, i) => ({ id: `f-part-${i}`, name: `Part ${i}`, version: 1, updatedAt: STAMP }));
    const patients = families.map((f, i) => patientRecord(`p-part-${i}`, { familyId: f.id, chartNumber: `PART-${i}` }));
    const page = { cursor: 'after-parts', hasMore: false, remaining: 0, ...emptyPage(), families, patients } as ChangesPageEnvelope;
    const cursor = () => s.prepare('SELECT value FROM sync_state WHERE key = ?').pluck().get(PULL_CURSOR_KEY) ?? null;
    const count = (sql: string) => s.prepare(sql).pluck().get() as number;
    const args = { page, deferIndex: false, now: new Date().toISOString() };

    // The app stops after the first part (500 families): they are written, the cursor has not moved.
    const steps = applyPageSteps(s, args);
    expect(steps.next().done).toBe(false);
    expect(count(`SELECT count(*) FROM families WHERE id LIKE 'f-part-%'`)).toBe(APPLY_PART_ROWS);
    expect(cursor()).toBeNull();

    // Asked for again and written whole: every family and child once, the cursor after the page.
    const counts = applyPageOfRun(s, args);
    expect(counts).toMatchObject({ rows: 1_200, setAside: 0 });
    expect(count(`SELECT count(*) FROM families WHERE id LIKE 'f-part-%'`)).toBe(600);
    expect(count(`SELECT count(*) FROM patients WHERE id LIKE 'p-part-%' AND family_id IS NOT NULL`)).toBe(600);
    expect(cursor()).toBe('after-parts');
    expect(s.pragma('quick_check', { simple: true })).toBe('ok');
  });
});

function emptyPage(): Omit<ChangesPageEnvelope, 'cursor' | 'hasMore' | 'remaining'> {
  return { families: [], contacts: [], patients: [], patientContacts: [], appointments: [], tombstones: [], pins: [], guardians: [] };
}
