import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { localDateIn } from '../../shared/domain/dates';
import type { App } from '../../electron/main/app';
import { verifyAuditChain } from '../../electron/main/audit/verify';
import { INDEX_STALE_KEY } from '../../electron/main/sync/pull';
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
    const summary = await app.deliveries.pulls.pull({ ...endpoint, pageLimit: 200 }, () => {
      pages += 1;
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
    expect(app.context.sqlite.prepare(`SELECT count(*) FROM patients WHERE id NOT LIKE 'p-%'`).pluck().get()).toBe(portalPatients);
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

    app = await openTestDesk(databaseFile, { workstation: 'desk-1', clerks: [DANA] });
    const before = app.context.sqlite.prepare(`SELECT count(*) FROM patients WHERE id NOT LIKE 'p-%'`).pluck().get() as number;
    expect(before).toBeLessThan(portalPatients);
    expect(app.context.sqlite.pragma('quick_check', { simple: true })).toBe('ok');
    const endpoint = (await app.deliveries.endpoint())!;
    const summary = await app.deliveries.pulls.pull({ ...endpoint, pageLimit: 200 });
    expect(summary.pages).toBeGreaterThan(0);
    expect(app.context.sqlite.prepare(`SELECT count(*) FROM patients WHERE id NOT LIKE 'p-%'`).pluck().get()).toBe(portalPatients);
    await expectSoundMirror(app);
  });
});
