import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrations } from '../../electron/main/db/migrations';
import { migrate, openDatabase, type DatabaseUpdateProgress } from '../../electron/main/db/open';
import { PAIR_MARK } from '../../electron/main/search/terms';
import { databaseUpdateMessage, databaseUpdatePage } from '../../electron/main/startup';
import { makeTempDir } from '../support/tempDir';

/**
 * An upgrade: a practice's database written by the version before migrations 015 to 017. Its
 * update runs on a worker thread's connection (db/migrateOffThread.ts), so the shells can show it
 * and the main thread keeps turning; all pending steps still commit together or not at all.
 */
const BEFORE = '20261203_014_fhir_staging';
const ALL = Object.keys(migrations);

let temp: ReturnType<typeof makeTempDir>;
let file: string;
beforeEach(async () => {
  temp = makeTempDir();
  file = temp.file('practice.sqlite');
  const old = new BetterSqlite3(file);
  old.pragma('journal_mode = WAL');
  old.pragma('foreign_keys = ON');
  await migrate(old, BEFORE);
  const patient = old.prepare(
    `INSERT INTO patients (id, chart_number, first_name, last_name, date_of_birth, status, updated_at) VALUES (?, ?, ?, ?, '2019-03-14', 'Active', 'x')`,
  );
  const term = old.prepare('INSERT INTO search_terms (term, patient_id) VALUES (?, ?)');
  for (let i = 0; i < 50; i++) {
    patient.run(`p${i}`, `C${i}`, 'Mary', `Lopez${i}`);
    term.run('mary', `p${i}`);
    term.run(`lopez${i}`, `p${i}`);
  }
  old.close();
});
afterEach(() => temp.remove());

const applied = (path: string) => {
  const probe = new BetterSqlite3(path, { readonly: true });
  try {
    return probe.prepare('SELECT name FROM kysely_migration ORDER BY name').pluck().all() as string[];
  } finally {
    probe.close();
  }
};

describe('updating an existing database at start', () => {
  it('says each step of the update, and ends with every migration applied and the data kept', async () => {
    const heard: DatabaseUpdateProgress[] = [];
    const opened = await openDatabase(file, { onUpdate: (p) => heard.push(p) });
    try {
      expect(heard).toEqual([
        { step: 1, of: 3 },
        { step: 2, of: 3 },
        { step: 3, of: 3 },
      ]);
      expect(applied(file)).toEqual(ALL);
      // 015 added the two-word terms for the patients already there.
      const withPairs = opened.sqlite.prepare(`SELECT count(DISTINCT patient_id) FROM search_terms WHERE substr(term, 1, 1) = ?`).pluck().get(PAIR_MARK);
      expect(withPairs).toBe(50);
      expect(opened.sqlite.prepare('SELECT count(*) FROM primary_links').pluck().get()).toBe(0);
      expect(opened.sqlite.prepare('SELECT count(*) FROM patients').pluck().get()).toBe(50);
      // 017 took the FHIR staging out of the mirror (it has a file of its own).
      expect(opened.sqlite.prepare("SELECT count(*) FROM sqlite_schema WHERE name = 'fhir_staging'").pluck().get()).toBe(0);
    } finally {
      await opened.close();
    }
  });

  it('keeps the main thread turning while the update runs', async () => {
    // More to update: 015 derives two-word terms for 5,000 more patients.
    const more = new BetterSqlite3(file);
    const patient = more.prepare(
      `INSERT INTO patients (id, chart_number, first_name, last_name, date_of_birth, status, updated_at) VALUES (?, ?, 'Ana', ?, NULL, 'Active', 'x')`,
    );
    const term = more.prepare('INSERT INTO search_terms (term, patient_id) VALUES (?, ?)');
    more.transaction(() => {
      for (let i = 0; i < 5_000; i++) {
        patient.run(`q${i}`, `Q${i}`, `Garcia${i}`);
        for (const t of ['ana', `garcia${i}`, `q${i}`, `555${i}`]) term.run(t, `q${i}`);
      }
    })();
    more.close();
    // Turns of this thread's event loop from the first step heard until the database is open. On
    // the main thread the update's SQL holds the loop from its first step to its last: none.
    let turns = 0;
    let counting = false;
    const tick = () => {
      if (!counting) return;
      turns += 1;
      setImmediate(tick);
    };
    const opened = await openDatabase(file, {
      onUpdate: ({ step }) => {
        if (step !== 1) return;
        counting = true;
        setImmediate(tick);
      },
    });
    counting = false;
    await opened.close();
    expect(turns).toBeGreaterThan(20);
    expect(applied(file)).toEqual(ALL);
  });

  it('leaves the database as it was when a step fails, and says which step', async () => {
    const broken = new BetterSqlite3(file);
    broken.exec('CREATE TABLE primary_links (x)'); // 016 creates this table
    broken.close();
    await expect(openDatabase(file)).rejects.toThrow(/Database migration 20261203_016_primary_links failed: .*already exists/);
    // 015 ran before 016 in the same transaction: rolled back with it.
    expect(applied(file)).toEqual(ALL.slice(0, ALL.indexOf(BEFORE) + 1));
  });

  it('says nothing for a new database or one already up to date', async () => {
    const heard: DatabaseUpdateProgress[] = [];
    const fresh = await openDatabase(temp.file('new/practice.sqlite'), { onUpdate: (p) => heard.push(p) });
    await fresh.close();
    const first = await openDatabase(file);
    await first.close();
    const again = await openDatabase(file, { onUpdate: (p) => heard.push(p) });
    await again.close();
    expect(heard).toEqual([]);
  });

  it('tells the person starting the app what is happening and to keep it open', () => {
    expect(databaseUpdateMessage({ step: 1, of: 2 })).toMatch(/Updating the practice database .*step 1 of 2.*few minutes.*Keep the app open/);
    const page = databaseUpdatePage({ step: 2, of: 2 });
    expect(page).toContain('step 2 of 2');
    expect(page).toContain(`default-src 'none'`);
    expect(page).not.toMatch(/<script/i);
  });
});
