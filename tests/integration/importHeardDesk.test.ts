import { afterEach, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../electron/main/app';
import { DEMO_ADMIN_CLERK_ID } from '../../electron/main/demo/demoPractice';
import { applyImport, type ApplyHooks } from '../../electron/main/importer/applyCore';
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

async function applied(name: string, hooks: ApplyHooks) {
  const app = await appNamed(name);
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
