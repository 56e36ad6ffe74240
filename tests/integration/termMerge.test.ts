import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type BetterSqlite3 from 'better-sqlite3';
import { createApp, type App } from '../../electron/main/app';
import { reindexPatients } from '../../electron/main/search/indexer';
import {
  LONG_TRANSACTION_SLICES_PER_BLOCK,
  orphanTermPatients,
  removeTermsOf,
  stageTerms,
  UNINDEXED,
  type TermSource,
} from '../../electron/main/search/termMerge';
import { makeTempDir } from '../support/tempDir';

/**
 * Issue 14: a large import adds its new patients' search terms after their rows, in cells of
 * neighbouring index pages (search/termMerge.ts). What a clerk would notice: every patient is
 * found by exactly the terms the per-patient reindex gives them, no more and no fewer, however
 * the work was cut, and a job resumed (terms staged again over patients already indexed) changes nothing.
 */

let temp: ReturnType<typeof makeTempDir>;
let app: App;

beforeEach(async () => {
  temp = makeTempDir('fpp-term-merge-');
  app = await createApp({ databaseFile: temp.file('practice.sqlite'), workstation: 'desk-1', demo: { families: 1_200 } });
});
afterEach(async () => {
  await app?.close();
  temp.remove();
});

const allTerms = (a: App) => a.context.sqlite.prepare('SELECT term, patient_id FROM search_terms ORDER BY term, patient_id').raw().all();

describe('search terms added after the rows', () => {
  it('gives every patient exactly the terms of the per-patient reindex, a few cells per transaction', () => {
    const { sqlite } = app.context;
    const expected = allTerms(app);
    const ids = sqlite.prepare('SELECT id FROM patients ORDER BY id').pluck().all() as string[];
    expect(ids.length).toBeGreaterThan(2_000);
    // Half of the practice not findable yet, as the patients an import inserted before the index step.
    const pending = ids.filter((_, i) => i % 2 === 0);
    const clear = sqlite.prepare('DELETE FROM search_terms WHERE patient_id = ?');
    sqlite.transaction(() => {
      for (const id of pending) clear.run(id);
    })();
    expect(allTerms(app).length).toBeLessThan(expected.length);

    const merge = stageTerms(sqlite, pending);
    while (!merge.stageNext());
    expect(merge.cells).toBeGreaterThan(1);
    let transactions = 0;
    for (let done = false; !done; transactions++) done = sqlite.transaction(() => merge.step(1)).immediate();
    merge.close();
    expect(transactions).toBe(merge.cells);
    expect(allTerms(app)).toEqual(expected);
  });

  it('gives the same terms cut into fewer, larger blocks (a worker that hears the desk: longer transactions)', () => {
    const { sqlite } = app.context;
    const expected = allTerms(app);
    const ids = sqlite.prepare('SELECT id FROM patients ORDER BY id').pluck().all() as string[];
    sqlite.prepare('DELETE FROM search_terms').run();
    const square = stageTerms(sqlite, ids);
    square.close();
    const cache = sqlite.pragma('cache_size', { simple: true });
    const merge = stageTerms(sqlite, ids, LONG_TRANSACTION_SLICES_PER_BLOCK);
    while (!merge.stageNext());
    // Each block was sorted with a small page cache (the app's memory); the connection's is back.
    expect(sqlite.pragma('cache_size', { simple: true })).toBe(cache);
    // As many cells of about the same size, but fewer patient blocks: more term slices per block.
    expect(merge.cells).toBeGreaterThan(square.cells / 2);
    let transactions = 0;
    for (let done = false; !done; transactions++) done = sqlite.transaction(() => merge.step(3)).immediate();
    merge.close();
    expect(transactions).toBe(Math.ceil(merge.cells / 3));
    expect(allTerms(app)).toEqual(expected);
  });

  it('stages every patient without terms when given no list (a first load), in the same blocks and cells', () => {
    const { sqlite } = app.context;
    const expected = allTerms(app);
    const ids = sqlite.prepare('SELECT id FROM patients ORDER BY id').pluck().all() as string[];
    const clear = sqlite.prepare('DELETE FROM search_terms WHERE patient_id = ?');
    const pending = ids.filter((_, i) => i % 3 !== 0);
    sqlite.transaction(() => {
      for (const id of pending) clear.run(id);
    })();
    const listed = stageTerms(sqlite, pending, LONG_TRANSACTION_SLICES_PER_BLOCK);
    listed.close();
    const merge = stageTerms(sqlite, UNINDEXED, LONG_TRANSACTION_SLICES_PER_BLOCK);
    expect(merge.patients).toBe(pending.length);
    expect(merge.cells).toBe(listed.cells);
    while (!merge.stageNext());
    for (let done = false; !done; ) done = sqlite.transaction(() => merge.step(2)).immediate();
    merge.close();
    expect(allTerms(app)).toEqual(expected);
    expect(() => stageTerms(sqlite, UNINDEXED, 1, { unchecked: true })).toThrow(/list of its patients/);
  });

  it('changes nothing when staged again over patients already indexed (a resumed job)', () => {
    const { sqlite } = app.context;
    const expected = allTerms(app);
    const ids = sqlite.prepare('SELECT id FROM patients').pluck().all() as string[];
    const merge = stageTerms(sqlite, [...ids, 'not-a-patient']);
    while (!merge.stageNext());
    sqlite.transaction(() => expect(merge.step(merge.cells)).toBe(true)).immediate();
    merge.close();
    expect(allTerms(app)).toEqual(expected);
  });

  it('stores the same terms as the per-patient reindex for unusual text (a lone surrogate, quotes, a backslash, letters past U+FFFF)', () => {
    const { sqlite } = app.context;
    const contacts = sqlite.prepare('SELECT id FROM contacts ORDER BY id LIMIT 3').pluck().all() as string[];
    const ids = sqlite
      .prepare('SELECT patient_id FROM patient_contacts WHERE contact_id IN (?, ?, ?)')
      .pluck()
      .all(...contacts) as string[];
    const odd = ['ma\ud800ria@example.com', 'o"brien\\ud83d@example.com', '\u{20000}\u{20001}lee@example.com'];
    sqlite.transaction(() => {
      const update = sqlite.prepare('UPDATE contacts SET email = ?, first_name = ? WHERE id = ?');
      for (const [i, id] of contacts.entries()) update.run(odd[i], `Zo\u{20000}e ${i}`, id);
      reindexPatients(sqlite, ids);
    })();
    const termsOf = (patients: string[]) =>
      patients.flatMap((id) => sqlite.prepare('SELECT hex(term) FROM search_terms WHERE patient_id = ? ORDER BY 1').pluck().all(id) as string[]);
    const expected = termsOf(ids);
    expect(expected).toContain(Buffer.from('o"brien\\ud83d@example.com').toString('hex').toUpperCase());
    for (const id of ids) sqlite.prepare('DELETE FROM search_terms WHERE patient_id = ?').run(id);
    expect(termsOf(ids)).toEqual([]);

    const merge = stageTerms(sqlite, ids);
    while (!merge.stageNext());
    sqlite.transaction(() => expect(merge.step(merge.cells)).toBe(true)).immediate();
    merge.close();
    expect(termsOf(ids)).toEqual(expected);
  });

  it('adds nothing for a patient removed after the terms were staged', () => {
    const { sqlite } = app.context;
    const gone = sqlite.prepare('SELECT id FROM patients p WHERE NOT EXISTS (SELECT 1 FROM pins WHERE patient_id = p.id) LIMIT 1').pluck().get() as string;
    sqlite.prepare('DELETE FROM search_terms WHERE patient_id = ?').run(gone);
    const merge = stageTerms(sqlite, [gone]);
    while (!merge.stageNext());
    removePatient(sqlite, gone);
    sqlite.transaction(() => expect(merge.step(merge.cells)).toBe(true)).immediate();
    merge.close();
    expect(sqlite.prepare('SELECT count(*) FROM search_terms WHERE patient_id = ?').pluck().get(gone)).toBe(0);
  });

  it("stages an import's new patients from the values it wrote, and leaves one the desk corrected since as the mirror has it", () => {
    const { sqlite } = app.context;
    const ids = sqlite.prepare('SELECT id FROM patients ORDER BY id').pluck().all() as string[];
    // The values as the import wrote them, held by the job (importer/applyChunks.ts knownTerms).
    const patientRow = sqlite.prepare('SELECT first_name, last_name, chart_number, date_of_birth FROM patients WHERE id = ?');
    const contactRows = sqlite.prepare(
      'SELECT c.first_name, c.last_name, c.email, c.mobile_phone, c.home_phone FROM patient_contacts pc JOIN contacts c ON c.id = pc.contact_id WHERE pc.patient_id = ?',
    );
    type PatientRow = { first_name: string; last_name: string; chart_number: string; date_of_birth: string | null };
    type ContactRow = { first_name: string; last_name: string; email: string | null; mobile_phone: string | null; home_phone: string | null };
    const written = new Map<string, TermSource>();
    for (const id of ids) {
      const p = patientRow.get(id) as PatientRow;
      const contacts = (contactRows.all(id) as ContactRow[]).map((c) => ({
        firstName: c.first_name,
        lastName: c.last_name,
        email: c.email,
        mobilePhone: c.mobile_phone,
        homePhone: c.home_phone,
      }));
      written.set(id, { patient: { firstName: p.first_name, lastName: p.last_name, chartNumber: p.chart_number, dateOfBirth: p.date_of_birth }, contacts });
    }
    sqlite.prepare('DELETE FROM search_terms').run();
    // While the job runs, the desk corrects one new patient's name: its terms are rebuilt from the mirror at once.
    const corrected = ids[700]!;
    sqlite.prepare("UPDATE patients SET last_name = 'Quennell-Osei', version = version + 1 WHERE id = ?").run(corrected);
    reindexPatients(sqlite, [corrected]);
    // Every other patient is given its written values except one in three, read from the mirror instead.
    const fromMirror = new Set(ids.filter((_, i) => i % 3 === 0));
    const merge = stageTerms(sqlite, ids, LONG_TRANSACTION_SLICES_PER_BLOCK, { known: (id) => (fromMirror.has(id) ? undefined : written.get(id)) });
    while (!merge.stageNext());
    for (let done = false; !done; ) done = sqlite.transaction(() => merge.step(4)).immediate();
    merge.close();
    const merged = allTerms(app);
    expect(sqlite.prepare('SELECT term FROM search_terms WHERE patient_id = ?').pluck().all(corrected)).toContain('quennell');
    // Every patient found by exactly the terms a reindex of the mirror gives: the corrected one not by its old name.
    sqlite.transaction(() => {
      sqlite.prepare('DELETE FROM search_terms').run();
      reindexPatients(sqlite, ids);
    })();
    expect(merged).toEqual(allTerms(app));
  });

  /** 200 patients without a PIN, their terms cleared (kept in `before`), and the one in the middle to remove. */
  function twoHundredWithoutTerms(sqlite: typeof app.context.sqlite) {
    const ids = sqlite
      .prepare('SELECT id FROM patients p WHERE NOT EXISTS (SELECT 1 FROM pins WHERE patient_id = p.id) ORDER BY id LIMIT 200')
      .pluck()
      .all() as string[];
    const gone = ids[100]!;
    const kept = ids.filter((id) => id !== gone);
    const termsOf = sqlite.prepare('SELECT term FROM search_terms WHERE patient_id = ? ORDER BY term').pluck();
    const before = new Map(kept.map((id) => [id, termsOf.all(id)]));
    const clear = sqlite.prepare('DELETE FROM search_terms WHERE patient_id = ?');
    sqlite.transaction(() => {
      for (const id of ids) clear.run(id);
    })();
    return { ids, gone, kept, termsOf, before };
  }

  it('still adds the other patients of a cell when one of them was removed after the staging', () => {
    const { sqlite } = app.context;
    const { ids, gone, kept, termsOf, before } = twoHundredWithoutTerms(sqlite);
    const merge = stageTerms(sqlite, ids);
    while (!merge.stageNext());
    expect(merge.cells).toBeGreaterThan(1); // the cells with the removed patient's terms hold others' too
    removePatient(sqlite, gone);
    sqlite.transaction(() => expect(merge.step(merge.cells)).toBe(true)).immediate();
    merge.close();
    expect(termsOf.all(gone)).toEqual([]);
    for (const id of kept) expect(termsOf.all(id)).toEqual(before.get(id));
  });

  it("adds unchecked on a job's own connection (foreign keys off), then takes out the terms of a patient removed after the staging", () => {
    const { sqlite } = app.context;
    const { ids, gone, kept, termsOf, before } = twoHundredWithoutTerms(sqlite);
    expect(() => stageTerms(sqlite, ids, 1, { unchecked: true })).toThrow(/foreign keys off/);
    sqlite.pragma('foreign_keys = OFF');
    try {
      const merge = stageTerms(sqlite, ids, 1, { unchecked: true });
      while (!merge.stageNext());
      removePatient(sqlite, gone);
      sqlite.transaction(() => expect(merge.step(merge.cells)).toBe(true)).immediate();
      // Added without looking the patient up: the removed one's terms are there until the end.
      expect(termsOf.all(gone).length).toBeGreaterThan(0);
      expect(merge.removeOrphans((remove) => sqlite.transaction(remove).immediate())).toBe(1);
      merge.close();
    } finally {
      sqlite.pragma('foreign_keys = ON');
    }
    expect(termsOf.all(gone)).toEqual([]);
    for (const id of kept) expect(termsOf.all(id)).toEqual(before.get(id));
    expect(sqlite.pragma('foreign_key_check(search_terms)')).toEqual([]);
  });
});

/** Removes a patient and the rows that refer to it, as a pull's or an import's delete would. */
describe('after a crash in an unchecked merge', () => {
  it('finds the patients whose terms outlived them, the first and last in id order included, and takes out their terms only', () => {
    const { sqlite } = app.context;
    const unpinned = sqlite
      .prepare('SELECT id FROM patients p WHERE NOT EXISTS (SELECT 1 FROM pins WHERE patient_id = p.id) ORDER BY id')
      .pluck()
      .all() as string[];
    const gone = [unpinned[0]!, unpinned[500]!, unpinned.at(-1)!];
    const termsOf = sqlite.prepare('SELECT term FROM search_terms WHERE patient_id = ? ORDER BY term').pluck();
    const theirs = gone.map((id) => termsOf.all(id) as string[]);
    expect(theirs.every((terms) => terms.length > 0)).toBe(true);
    expect(orphanTermPatients(sqlite)).toEqual([]);
    for (const id of gone) removePatient(sqlite, id); // the foreign keys take their terms with them
    // What an unchecked merge stopped by a crash leaves: their terms added back after they were removed.
    sqlite.pragma('foreign_keys = OFF');
    const add = sqlite.prepare('INSERT INTO search_terms (term, patient_id) VALUES (?, ?)');
    sqlite.transaction(() => {
      for (const [i, id] of gone.entries()) for (const term of theirs[i]!) add.run(term, id);
    })();
    sqlite.pragma('foreign_keys = ON');
    expect(sqlite.pragma('foreign_key_check(search_terms)')).not.toEqual([]);
    const before = (allTerms(app) as [string, string][]).filter(([, patient]) => !gone.includes(patient));

    const orphans = orphanTermPatients(sqlite);
    expect(orphans).toEqual([...gone].sort());
    removeTermsOf(sqlite, orphans, (remove) => sqlite.transaction(remove).immediate());
    expect(sqlite.pragma('foreign_key_check(search_terms)')).toEqual([]);
    expect(allTerms(app)).toEqual(before);
    expect(orphanTermPatients(sqlite)).toEqual([]);
  });
});

function removePatient(sqlite: BetterSqlite3.Database, id: string): void {
  sqlite.transaction(() => {
    sqlite.prepare('DELETE FROM appointments WHERE patient_id = ?').run(id);
    sqlite.prepare('DELETE FROM patient_contacts WHERE patient_id = ?').run(id);
    sqlite.prepare('DELETE FROM patients WHERE id = ?').run(id);
  })();
}
