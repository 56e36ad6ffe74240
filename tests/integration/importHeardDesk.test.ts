import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../electron/main/app';
import { DEMO_ADMIN_CLERK_ID } from '../../electron/main/demo/demoPractice';
import { applyImport, type ApplyHooks } from '../../electron/main/importer/applyCore';
import type { JobWorkerData } from '../../electron/main/jobs/jobTypes';
import { findWorkerEntry, startWorker } from '../../electron/main/lib/workerEntry';
import { reindexPatients } from '../../electron/main/search/indexer';
import { termStager, type TermStager } from '../../electron/main/search/termStager';
import { practiceExport, ROWS_PER_FAMILY } from '../support/practiceExport';
import { makeTempDir } from '../support/tempDir';

/**
 * Issue 14, import apply speed: a job worker that hears the desk inside its transactions
 * (deskAsks) writes longer transactions and adds the new patients' search terms in fewer, larger
 * blocks. What the clerk and the administrator would notice is only the time: the mirror, what
 * search finds, the Bulk pass's link facts and the audit entry end exactly as an import applied in
 * short transactions leaves them, also when the desk asks for the lock again and again mid-way.
 */

const FAMILIES = 900;
const request = () => ({
  input: { files: practiceExport(FAMILIES) },
  today: '2026-11-22',
  now: '2026-11-22T15:00:00.000Z',
  clerkId: DEMO_ADMIN_CLERK_ID,
  workstation: 'desk-1',
});

const apps: { app: App; temp: ReturnType<typeof makeTempDir> }[] = [];

afterEach(async () => {
  for (const { app, temp } of apps.splice(0)) {
    await app.close();
    temp.remove();
  }
});

/** A workstation of its own (one data folder per running app). */
async function appNamed(name: string): Promise<App> {
  const temp = makeTempDir(`fpp-import-${name}-`);
  const app = await createApp({ databaseFile: temp.file('practice.sqlite'), workstation: 'desk-1', demo: { families: 4 } });
  apps.push({ app, temp });
  return app;
}

/** Everything the import wrote that a clerk, a search or the Bulk pass reads, and the audit entry's account of it. */
function picture(app: App) {
  const { sqlite } = app.context;
  const all = (sql: string) => sqlite.prepare(sql).raw().all();
  const audit = sqlite.prepare("SELECT action, details FROM audit_log WHERE action IN ('import_applied', 'import_stopped') ORDER BY id").all() as {
    action: string;
    details: string;
  }[];
  return {
    families: all('SELECT id, name, version FROM families ORDER BY id'),
    patients: all('SELECT id, chart_number, family_id, first_name, last_name, date_of_birth, sex, status, version FROM patients ORDER BY id'),
    contacts: all('SELECT id, first_name, last_name, email, mobile_phone, home_phone, preferred_reminder, language FROM contacts ORDER BY id'),
    links: all('SELECT * FROM patient_contacts ORDER BY patient_id, contact_id'),
    linkFacts: all(
      'SELECT p.id, c.id, l.bits FROM primary_links l JOIN patients p ON p.rowid = l.patient_rowid JOIN contacts c ON c.rowid = l.contact_rowid ORDER BY 1, 2',
    ),
    terms: all('SELECT term, patient_id FROM search_terms ORDER BY term, patient_id'),
    audit: audit.map((a) => {
      const details = JSON.parse(a.details) as { changes: unknown; counts: unknown; job: { state: string; rowsDone: number; rowsTotal: number } };
      return { action: a.action, changes: details.changes, counts: details.counts, state: details.job.state, rows: details.job.rowsDone };
    }),
  };
}

async function applied(name: string, hooks: ApplyHooks | ((app: App) => ApplyHooks)) {
  const app = await appNamed(name);
  if (typeof hooks === 'function') hooks = hooks(app);
  const result = await applyImport(app.context.sqlite, request(), hooks);
  expect(result.job).toMatchObject({ state: 'done', rowsDone: FAMILIES * ROWS_PER_FAMILY });
  // The connection's foreign keys are back on after the terms went in unchecked (ownConnection).
  expect(app.context.sqlite.pragma('foreign_keys', { simple: true })).toBe(1);
  return picture(app);
}

describe('an import in a worker that hears the desk', () => {
  it('ends with the same mirror, terms, link facts and audit entry as short transactions', async () => {
    const short = await applied('short', {});
    expect(short.patients.length).toBeGreaterThanOrEqual(FAMILIES * 2);
    expect(short.terms.length).toBeGreaterThan(FAMILIES * 2 * 10);
    expect(short.audit).toEqual([
      expect.objectContaining({ action: 'import_applied', state: 'done', changes: { inserted: FAMILIES * ROWS_PER_FAMILY, updated: 0, unchanged: 0 } }),
    ]);
    // A worker's own connection: the new terms go in with its foreign keys off (search/termMerge.ts, unchecked).
    const heard = await applied('heard', { deskAsks: () => false, ownConnection: true });
    expect(heard).toEqual(short);
  });

  it('ends the same when the desk asks for the lock every few units and cells', async () => {
    const short = await applied('short', {});
    let looks = 0;
    let asked = 0;
    const heard = await applied('asked', {
      ownConnection: true,
      deskAsks: () => {
        const asks = ++looks % 3 === 0;
        if (asks) asked++;
        return asks;
      },
    });
    expect(asked).toBeGreaterThan(10);
    expect(heard).toEqual(short);
  });
});

/**
 * The second worker of an import (search/termStager.ts) as jobWorker.ts starts it: a real worker
 * thread running jobWorker.ts from sources. What it was sent and told to drop is counted, and the
 * mode of its file noted when the staging ends.
 */
function workerStager(app: App) {
  const launch = findWorkerEntry(new URL('../../electron/main/jobs/jobRunner.ts', import.meta.url).href, '../jobWorker.ts', 'jobWorker');
  if (!launch) throw new Error('jobWorker.ts not found');
  const databaseFile = app.context.sqlite.name;
  const data: JobWorkerData = { fppJobWorker: true, databaseFile, job: { kind: 'import.terms', jobId: 'import-terms-test' } };
  const real = termStager(databaseFile, () => startWorker(launch, data));
  const seen = { begun: 0, sent: 0, dropped: [] as string[], fileMode: 0, closed: false };
  const stager: TermStager = {
    file: real.file,
    begin(count, slicesPerBlock) {
      seen.begun = count;
      real.begin(count, slicesPerBlock);
    },
    add(patients) {
      seen.sent += patients.length;
      real.add(patients);
    },
    async staged(drop) {
      seen.dropped = [...drop];
      const blocks = await real.staged(drop);
      seen.fileMode = fs.statSync(real.file).mode & 0o777;
      return blocks;
    },
    async close() {
      await real.close();
      seen.closed = true;
    },
  };
  return { stager, seen };
}

describe("an import whose new patients' search terms a second worker stages beside the rows", () => {
  it('ends with the same mirror, terms and audit entry, and leaves no file of its own behind', async () => {
    const short = await applied('short', {});
    let stager: ReturnType<typeof workerStager> | undefined;
    const beside = await applied('beside', (app) => {
      stager = workerStager(app);
      return { ownConnection: true, deskAsks: () => false, termStager: stager.stager };
    });
    const { seen, stager: s } = stager!;
    // Every new patient was staged by the second worker, and none of its terms had to go.
    expect(seen.begun).toBe(FAMILIES * 2);
    expect(seen.sent).toBe(FAMILIES * 2);
    expect(seen.dropped).toEqual([]);
    // Its file holds names, birth dates and addresses: owner-only, as the mirror.
    expect(seen.fileMode).toBe(0o600);
    expect(beside).toEqual(short);
    await s.close();
    expect(fs.existsSync(s.file)).toBe(false);
  });

  it("predicts the id reconcile gives a new patient whose chart's own id is taken, and ends the same", async () => {
    // A patient the practice renumbered keeps the id an earlier import gave it: chart J0A's new patient is imp-J0A-2.
    const renumbered = (app: App) =>
      app.context.sqlite
        .prepare(
          "INSERT INTO patients (id, chart_number, first_name, last_name, date_of_birth, status, updated_at) VALUES ('imp-J0A', 'R-1', 'Rhea', 'Old', '2014-01-02', 'Active', '2026-11-01T10:00:00.000Z')",
        )
        .run();
    const short = await applied('short', (app) => {
      renumbered(app);
      return {};
    });
    let stager: ReturnType<typeof workerStager> | undefined;
    const beside = await applied('renumbered', (app) => {
      renumbered(app);
      stager = workerStager(app);
      return { ownConnection: true, deskAsks: () => false, termStager: stager.stager };
    });
    expect((beside.patients as string[][]).find((p) => p[1] === 'J0A')?.[0]).toBe('imp-J0A-2');
    expect(stager!.seen.begun).toBe(FAMILIES * 2);
    expect(stager!.seen.dropped).toEqual([]);
    expect(beside).toEqual(short);
    await stager!.stager.close();
  });

  it('ends the same when the second worker fails (a full disk): the job stages the terms itself', async () => {
    const short = await applied('short', {});
    let sent = 0;
    const failing: TermStager = {
      file: '/nonexistent/import-terms',
      begin: () => undefined,
      add: (patients) => {
        sent += patients.length;
      },
      staged: () => Promise.reject(new Error('The search-term stager failed: database or disk is full')),
      close: async () => undefined,
    };
    const beside = await applied('failing', { ownConnection: true, deskAsks: () => false, termStager: failing });
    expect(sent).toBe(FAMILIES * 2);
    expect(beside).toEqual(short);
  });

  it('ends the same when no second thread can start: the job stages the terms itself', async () => {
    const short = await applied('short', {});
    let app: App | undefined;
    const beside = await applied('nothread', (a) => {
      app = a;
      return {
        ownConnection: true,
        deskAsks: () => false,
        termStager: termStager(a.context.sqlite.name, () => {
          throw new Error('Worker threads are not available');
        }),
      };
    });
    expect(beside).toEqual(short);
    expect(fs.existsSync(`${app!.context.sqlite.name}-import-terms`)).toBe(false);
  });

  it('ends whole when its scratch file cannot be removed afterwards (a handle Windows has not let go)', async () => {
    const short = await applied('short', {});
    let stager: ReturnType<typeof workerStager> | undefined;
    let stuck = '';
    const beside = await applied('stuck', (app) => {
      stager = workerStager(app);
      // Something in the scratch file's place that cannot be removed as a file.
      stuck = `${app.context.sqlite.name}-import-terms-journal`;
      fs.mkdirSync(stuck);
      fs.writeFileSync(`${stuck}/held`, '');
      return { ownConnection: true, deskAsks: () => false, termStager: stager.stager };
    });
    expect(beside).toEqual(short);
    await expect(stager!.stager.close()).resolves.toBeUndefined();
    expect(fs.existsSync(stager!.stager.file)).toBe(false);
    expect(fs.existsSync(stuck)).toBe(true);
  });

  it('gives every patient exactly the terms of a reindex when the desk adds one of its charts and corrects one of its patients meanwhile', async () => {
    const last = `J${FAMILIES - 1}A`;
    let stager: ReturnType<typeof workerStager> | undefined;
    let deskApp: App | undefined;
    let writes = 0;
    await appNamed('desk');
    const result = await (async () => {
      const app = apps.at(-1)!.app;
      deskApp = app;
      const { sqlite } = app.context;
      stager = workerStager(app);
      return applyImport(sqlite, request(), {
        ownConnection: true,
        deskAsks: () => false,
        termStager: stager.stager,
        runWrite: async (write) => {
          // Between the job's second and third transactions (the run record, then the first units): the desk's turn.
          if (++writes === 3) {
            expect(sqlite.prepare('SELECT 1 FROM patients WHERE id = ?').pluck().get('imp-J0A')).toBe(1);
            // A clerk corrects a child the import just added: the desk rebuilds her terms from the mirror at once.
            sqlite.prepare("UPDATE patients SET last_name = 'Quennell', version = version + 1 WHERE id = 'imp-J0A'").run();
            reindexPatients(sqlite, ['imp-J0A']);
            // And a pull brings the child of the file's last family first, under the practice system's id.
            sqlite
              .prepare(
                "INSERT INTO patients (id, chart_number, first_name, last_name, date_of_birth, status, updated_at) VALUES ('pull-1', ?, 'Ana', 'Early', '2015-03-14', 'Active', '2026-11-22T15:00:00.000Z')",
              )
              .run(last);
            reindexPatients(sqlite, ['pull-1']);
          }
          return write();
        },
      });
    })();
    expect(result.job).toMatchObject({ state: 'done' });
    const { sqlite } = deskApp!.context;
    const { seen, stager: s } = stager!;
    expect(seen.begun).toBe(FAMILIES * 2);
    // The child predicted as new but updated instead, and the one the desk indexed, have their staged terms dropped.
    expect(seen.dropped.sort()).toEqual(['imp-J0A', `imp-${last}`]);
    const termsOf = sqlite.prepare('SELECT term FROM search_terms WHERE patient_id = ? ORDER BY term').pluck();
    expect(termsOf.all('imp-J0A')).toContain('quennell');
    expect(sqlite.prepare('SELECT count(*) FROM patients WHERE id = ?').pluck().get(`imp-${last}`)).toBe(0);
    const merged = sqlite.prepare('SELECT term, patient_id FROM search_terms ORDER BY term, patient_id').raw().all();
    sqlite.transaction(() => {
      sqlite.prepare('DELETE FROM search_terms').run();
      reindexPatients(sqlite, sqlite.prepare('SELECT id FROM patients').pluck().all() as string[]);
    })();
    expect(merged).toEqual(sqlite.prepare('SELECT term, patient_id FROM search_terms ORDER BY term, patient_id').raw().all());
    await s.close();
  });
});
