import { beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '../../../electron/main/db/open';
import { PAIR_MARK, patientSearchTerms, type SearchableContact, type SearchablePatient } from '../../../electron/main/search/terms';
import { migrationDatabasePerTest } from '../../support/migrationDatabase';

/**
 * A mirror indexed before migration 015 holds every term but the pair terms. The migration adds
 * them from the stored terms in SQL; the app computes them in JavaScript (search/terms.ts). Both
 * must give the very same pair terms, or a two-word search would miss a patient after the upgrade.
 */
const db = migrationDatabasePerTest('20261203_014_fhir_staging');

const contact = (firstName: string, lastName: string, email: string | null = null, mobilePhone: string | null = null): SearchableContact => ({
  firstName,
  lastName,
  email,
  mobilePhone,
  homePhone: null,
});

const PEOPLE: { id: string; patient: SearchablePatient; contacts: SearchableContact[] }[] = [
  {
    id: 'p1',
    patient: { firstName: 'Mary', lastName: "O'Reilly", chartNumber: 'C100', dateOfBirth: '2019-03-14' },
    contacts: [contact('Sean', "O'Reilly", 'sean.oreilly@example.com', '(555) 010-2000')],
  },
  {
    id: 'p2',
    patient: { firstName: 'Ana-Sofía', lastName: 'García-López', chartNumber: 'AB-77', dateOfBirth: null },
    contacts: [contact('José', 'Núñez', '9lives@example.com')],
  },
  { id: 'p3', patient: { firstName: 'Øyvind', lastName: 'Ødegård', chartNumber: '42', dateOfBirth: '2020-01-02' }, contacts: [] },
  {
    id: 'p4',
    patient: { firstName: '李明', lastName: 'Wang', chartNumber: 'x1', dateOfBirth: null },
    contacts: [contact('Ωmega', 'Στέλλα', '.dot@example.com')],
  },
  { id: 'p5', patient: { firstName: '𝒜lex', lastName: '\uE000Private', chartNumber: 'c9334019', dateOfBirth: null }, contacts: [contact('Mar', 'Mary')] },
  { id: 'p6', patient: { firstName: 'J', lastName: 'Li', chartNumber: 'C6', dateOfBirth: null }, contacts: [contact('Maria', 'Martinez', 'ma@example.com')] },
  { id: 'p7', patient: { firstName: 'Baby Girl', lastName: 'X', chartNumber: 'C7', dateOfBirth: null }, contacts: [] },
];

const pairsOf = (terms: readonly string[]) => terms.filter((t) => t.startsWith(PAIR_MARK)).sort();

beforeEach(() => {
  const patient = db.sqlite.prepare(
    `INSERT INTO patients (id, chart_number, first_name, last_name, date_of_birth, status, updated_at) VALUES (?, ?, ?, ?, ?, 'Active', 'x')`,
  );
  const term = db.sqlite.prepare('INSERT INTO search_terms (term, patient_id) VALUES (?, ?)');
  for (const { id, patient: p, contacts } of PEOPLE) {
    patient.run(id, p.chartNumber, p.firstName, p.lastName, p.dateOfBirth);
    // What the app indexed before 015: every term but the pair terms.
    for (const t of patientSearchTerms(p, contacts)) if (!t.startsWith(PAIR_MARK)) term.run(t, id);
  }
});

describe('20261203_015_search_pairs', () => {
  it('adds to an indexed mirror exactly the pair terms the app computes for each patient', async () => {
    await migrate(db.sqlite, '20261203_015_search_pairs');
    const stored = db.sqlite.prepare('SELECT term FROM search_terms WHERE patient_id = ?').pluck();
    for (const { id, patient, contacts } of PEOPLE) {
      const expected = pairsOf(patientSearchTerms(patient, contacts));
      expect(pairsOf(stored.all(id) as string[]), id).toEqual(expected);
    }
    // The cases above do reach the rule: names with apostrophes, hyphens, accents, non-Latin letters, two terms with one beginning, one term beginning another.
    expect(pairsOf(stored.all('p1') as string[])).toContain(`${PAIR_MARK}ma re`);
    expect(pairsOf(stored.all('p2') as string[])).toContain(`${PAIR_MARK}ga nu`);
    expect(pairsOf(stored.all('p3') as string[])).toContain(`${PAIR_MARK}ød øy`);
    // "mar" begins "mary": no pair of one beginning for them; "maria" and "martinez" make one.
    expect(pairsOf(stored.all('p5') as string[])).not.toContain(`${PAIR_MARK}ma ma`);
    expect(pairsOf(stored.all('p6') as string[])).toEqual([`${PAIR_MARK}li ma`, `${PAIR_MARK}ma ma`]);
  });

  it('leaves every other term as it was', async () => {
    const before = db.sqlite.prepare(`SELECT term, patient_id FROM search_terms ORDER BY 1, 2`).raw().all();
    await migrate(db.sqlite, '20261203_015_search_pairs');
    const after = db.sqlite.prepare(`SELECT term, patient_id FROM search_terms WHERE term NOT LIKE char(1) || '%' ORDER BY 1, 2`).raw().all();
    expect(after).toEqual(before);
  });
});
