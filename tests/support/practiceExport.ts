import type BetterSqlite3 from 'better-sqlite3';
import { lines } from './csvFixtures';

/**
 * A practice export of `families` families for the job tests: each family 'JF<n>' has two
 * children (charts J<n>A, J<n>B) and their mother (contact JK<n>), so one family is 6 rows
 * (family, 2 patients, 1 contact, 2 links). Names are letters only ("Ana Zedbc").
 */
export const ROWS_PER_FAMILY = 6;

/** 0 → 'a', 25 → 'z', 26 → 'ba'…: a family's own last name. */
export function familyWord(n: number): string {
  let word = '';
  do {
    word = String.fromCharCode(97 + (n % 26)) + word;
    n = Math.floor(n / 26);
  } while (n > 0);
  return word;
}
export const lastNameOf = (n: number) => `Zed${familyWord(n)}`;

export function practiceExport(families: number): { name: string; content: string }[] {
  const patients = ['Chart #,Family #,Patient First,Patient Last,DOB,Sex,Status'];
  const contacts = [
    'Chart No,Contact ID,First Name,Last Name,Relationship,Sort,Authority,Res?,Portal,Email,Cell,Home Phone,Preferred Reminder Method,Language',
  ];
  for (let n = 0; n < families; n++) {
    const last = lastNameOf(n);
    patients.push(`J${n}A,JF${n},Ana,${last},03/14/2015,F,Active`, `J${n}B,JF${n},Luis,${last},06/02/2018,M,Active`);
    for (const child of ['A', 'B'])
      contacts.push(`J${n}${child},JK${n},Maria,${last},Mother,1,Joint,Y,N,maria.${familyWord(n)}@example.com,617.555.0142,,Email,English`);
  }
  return [
    { name: 'patients.csv', content: lines(...patients) },
    { name: 'contacts.csv', content: lines(...contacts) },
  ];
}

/**
 * What the clerk would see of an import of practiceExport(): how many of its families are in the
 * mirror, and every one that is not whole (a child, the mother's link or her search terms missing).
 */
export function importedFamilies(sqlite: BetterSqlite3.Database): { families: number; patients: number; notWhole: string[] } {
  const rows = sqlite
    .prepare(
      `SELECT f.id,
              (SELECT count(*) FROM patients p WHERE p.family_id = f.id) AS children,
              (SELECT count(*) FROM patients p JOIN patient_contacts pc ON pc.patient_id = p.id JOIN contacts c ON c.id = pc.contact_id WHERE p.family_id = f.id) AS links,
              (SELECT count(DISTINCT p.id) FROM patients p JOIN search_terms s ON s.patient_id = p.id WHERE p.family_id = f.id) AS findable
         FROM families f WHERE f.id LIKE 'JF%'`,
    )
    .all() as { id: string; children: number; links: number; findable: number }[];
  const notWhole = rows.filter((r) => r.children !== 2 || r.links !== 2 || r.findable !== 2).map((r) => r.id);
  const patients = sqlite.prepare(`SELECT count(*) FROM patients WHERE chart_number LIKE 'J%'`).pluck().get() as number;
  return { families: rows.length, patients, notWhole };
}
