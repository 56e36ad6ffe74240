import { createHash } from 'node:crypto';
import type BetterSqlite3 from 'better-sqlite3';

/**
 * Practice-export CSV files for the import tests, written as a practice system writes them.
 * Lines are numbered in comments where the tests assert them (the header is line 1).
 */

export const lines = (...rows: string[]) => `${rows.join('\r\n')}\r\n`;

/** A clean export of two families (five patients), their contacts and today's appointments. */
export const CLEAN = {
  patients: lines(
    'Chart #,Family #,Patient First,Patient Last,DOB,Sex,Status',
    'C1001,F100,Ana,Lopez,03/14/2015,F,Active',
    'C1002,F100,Luis,Lopez,6/2/2018,Male,active',
    'C1003,F100,Sofia,Lopez,2020-09-30,F,Active',
    'C2001,F200,Baby Girl,Nguyen,11/01/2026,F,Active',
    'C2002,F200,Minh,Nguyen,,M,in collections',
  ),
  contacts: lines(
    'Chart No,Contact ID,First Name,Last Name,Relationship,Sort,Authority,Res?,Portal,Email,Cell,Home Phone,Preferred Reminder Method,Language',
    'C1001,K1,Maria,Lopez,Mother,1,Joint,Y,N,maria.lopez@example.com,617.555.0142,,Email,English',
    'C1002,K1,Maria,Lopez,Mother,1,Joint,Y,N,maria.lopez@example.com,617.555.0142,,Email,English',
    'C1003,K1,Maria,Lopez,Mother,1,Joint,Y,N,maria.lopez@example.com,617.555.0142,,Email,English',
    'C1001,K2,Carlos,Lopez,Father,2,Joint,Yes,X,carlos@example.com,(617) 555-0143,,SMS,es',
    'C2001,K3,Hoa,Nguyen,Mother,1,,1,,hoa@example.com,+1 617 555 0199,617-555-0100,Text,',
    'C2002,K3,Hoa,Nguyen,Mother,1,,1,,hoa@example.com,+1 617 555 0199,617-555-0100,Text,',
  ),
  appointments: lines(
    'Chart #,Appointment Date/Time,Provider,Reason',
    'C1001,11/22/2026 2:30 PM,Dr. Patel,Well visit',
    'C1002,2026-11-22 14:45,Dr. Patel,"Follow-up, ear"',
  ),
};

export const cleanFiles = () => [
  { name: 'patients.csv', content: CLEAN.patients },
  { name: 'contacts.csv', content: CLEAN.contacts },
  { name: 'appointments.csv', content: CLEAN.appointments },
];

/** Every kind of mistake the import must report with its line. */
export const MALFORMED = {
  patients: lines(
    /* 1 */ 'Chart #,Family #,First Name,Last Name,DOB,Sex,Status',
    /* 2 */ 'C1001,F100,Ana,Lopez,03/14/2015,F,Active',
    /* 3 */ 'C1002,F100,Luis,Lopez,13/45/2019,M,Active',
    /* 4 */ 'C1003,F100,"Sofia',
    /* 5 */ 'Maria",Lopez,2020-09-30,F,Pending',
    /* 6 */ 'C1001,F100,Ana,Lopez,03/14/2015,F,Active',
    /* 7 */ 'C1004,F100,Tom,Lopez,1/2/19,M,Active',
  ),
  contacts: lines(
    /* 1 */ 'Chart #,Contact ID,First Name,Last Name,Email',
    /* 2 */ 'C1001,K1,Maria,Lopez,maria@example.com',
    /* 3 */ 'C9999,K2,Bob,Smith,bob@example.com',
  ),
  appointments: lines(/* 1 */ 'Chart #,Date,Time,Provider', /* 2 */ 'C1001,11/22/2026,2:30 PM,Dr. Patel', /* 3 */ 'C1002,11/22/2026,25:00,Dr. Patel'),
};

const TABLES: Record<string, string> = {
  families: 'id',
  patients: 'id',
  contacts: 'id',
  patient_contacts: 'patient_id, contact_id',
  appointments: 'id',
};

/** Row counts and a content hash of the five tables an import writes. */
export function mirrorFingerprint(sqlite: BetterSqlite3.Database): { counts: Record<string, number>; hash: string } {
  const hash = createHash('sha256');
  const counts: Record<string, number> = {};
  for (const [table, key] of Object.entries(TABLES)) {
    const rows = sqlite.prepare(`SELECT * FROM ${table} ORDER BY ${key}`).all();
    counts[table] = rows.length;
    hash.update(table).update(JSON.stringify(rows));
  }
  return { counts, hash: hash.digest('hex') };
}
