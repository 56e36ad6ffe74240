/**
 * The demo mirror written out as a practice export (patients, family contacts, appointments), as
 * an Office Practicum practice gets it from its Database Viewer: the input of the import bench and
 * of the CSV reader comparison.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { formatUsDate } from '../shared/domain/dates';
import { toCsv } from '../electron/main/lib/csv';

export type Row = Record<string, string | number | null>;

export interface Export {
  files: { name: string; content: string }[];
  dataLines: number;
}

export type Rows = { families: Row[]; patients: Row[]; contacts: Row[]; links: Row[]; appointments: Row[] };

/** "2026-11-22T14:30" → "11/22/2026 2:30 PM", as a scheduling export writes it. */
function usDateTime(startsAt: string): string {
  const [date, time] = startsAt.split('T') as [string, string];
  const [h, m] = time.split(':').map(Number) as [number, number];
  return `${formatUsDate(date)} ${((h + 11) % 12) + 1}:${String(m).padStart(2, '0')} ${h < 12 ? 'AM' : 'PM'}`;
}

const yn = (flag: unknown) => (flag === 1 ? 'Y' : 'N');

/** The demo mirror written out as the three files of a practice export. */
export function mirrorRows(sqlite: BetterSqlite3.Database): Rows {
  const all = (sql: string) => sqlite.prepare(sql).all() as Row[];
  return {
    families: all('SELECT * FROM families ORDER BY id'),
    patients: all('SELECT p.*, f.name AS family_name FROM patients p LEFT JOIN families f ON f.id = p.family_id ORDER BY p.id'),
    contacts: all('SELECT * FROM contacts ORDER BY id'),
    links: all(
      `SELECT pc.*, p.chart_number, c.first_name, c.last_name, c.email, c.mobile_phone, c.home_phone, c.preferred_reminder, c.language
         FROM patient_contacts pc JOIN patients p ON p.id = pc.patient_id JOIN contacts c ON c.id = pc.contact_id
        ORDER BY p.chart_number, pc.sort`,
    ),
    appointments: all('SELECT a.*, p.chart_number FROM appointments a JOIN patients p ON p.id = a.patient_id ORDER BY a.starts_at'),
  };
}

export function exportMirror(sqlite: BetterSqlite3.Database): Export {
  const rows = mirrorRows(sqlite);
  const patients = rows.patients.map((p) => [
    p.chart_number,
    p.family_id,
    p.first_name,
    p.last_name,
    p.date_of_birth ? formatUsDate(String(p.date_of_birth)) : '',
    p.sex,
    p.status,
    p.family_name,
  ]);
  const contacts = rows.links.map((l) => [
    l.chart_number,
    l.contact_id,
    l.first_name,
    l.last_name,
    l.relationship,
    l.sort,
    l.authority,
    yn(l.resides_with),
    yn(l.portal_flag),
    l.email,
    l.mobile_phone,
    l.home_phone,
    l.preferred_reminder,
    l.language,
  ]);
  const appointments = rows.appointments.map((a) => [a.chart_number, usDateTime(String(a.starts_at)), a.provider, a.reason]);
  return {
    // Written as the app writes its own exports (lib/csv.ts: BOM, CRLF), which the import reads.
    files: [
      { name: 'patients.csv', content: toCsv(['Chart #', 'Family #', 'Patient First', 'Patient Last', 'DOB', 'Sex', 'Status', 'Family Name'], patients) },
      {
        name: 'family_contacts.csv',
        content: toCsv(
          [
            'Chart #',
            'Contact ID',
            'First Name',
            'Last Name',
            'Relationship',
            'Sort',
            'Authority',
            'Res?',
            'Portal',
            'Email',
            'Cell',
            'Home Phone',
            'Preferred Reminder Method',
            'Language',
          ],
          contacts,
        ),
      },
      { name: 'appointments.csv', content: toCsv(['Chart #', 'Appointment Date/Time', 'Provider', 'Reason'], appointments) },
    ],
    dataLines: patients.length + contacts.length + appointments.length,
  };
}
