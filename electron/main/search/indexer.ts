import type BetterSqlite3 from 'better-sqlite3';
import { patientSearchTerms } from './terms';

/**
 * Rebuilds the search terms of the given patients from the mirror. Called inside the same
 * transaction as the change that made them stale, so search never disagrees with the chart.
 * Synchronous (better-sqlite3) because it runs inside bulk loads of 200,000 patients.
 */
export function reindexPatients(sqlite: BetterSqlite3.Database, patientIds: Iterable<string>): void {
  const getPatient = sqlite.prepare(
    'SELECT first_name, last_name, chart_number, date_of_birth FROM patients WHERE id = ?',
  );
  const getContacts = sqlite.prepare(
    `SELECT c.first_name, c.last_name, c.email, c.mobile_phone, c.home_phone
       FROM patient_contacts pc JOIN contacts c ON c.id = pc.contact_id
      WHERE pc.patient_id = ?`,
  );
  const clear = sqlite.prepare('DELETE FROM search_terms WHERE patient_id = ?');
  const insert = sqlite.prepare('INSERT OR IGNORE INTO search_terms (term, patient_id) VALUES (?, ?)');
  for (const id of patientIds) {
    clear.run(id);
    const p = getPatient.get(id) as
      | { first_name: string; last_name: string; chart_number: string; date_of_birth: string | null }
      | undefined;
    if (!p) continue;
    const contacts = (
      getContacts.all(id) as {
        first_name: string;
        last_name: string;
        email: string | null;
        mobile_phone: string | null;
        home_phone: string | null;
      }[]
    ).map((c) => ({
      firstName: c.first_name,
      lastName: c.last_name,
      email: c.email,
      mobilePhone: c.mobile_phone,
      homePhone: c.home_phone,
    }));
    const terms = patientSearchTerms(
      { firstName: p.first_name, lastName: p.last_name, chartNumber: p.chart_number, dateOfBirth: p.date_of_birth },
      contacts,
    );
    for (const term of terms) insert.run(term, id);
  }
}

/** Every patient's terms, rebuilt (after a bulk load). */
export function reindexAllPatients(sqlite: BetterSqlite3.Database): void {
  const ids = sqlite.prepare('SELECT id FROM patients').pluck().all() as string[];
  sqlite.prepare('DELETE FROM search_terms').run();
  reindexPatients(sqlite, ids);
}
