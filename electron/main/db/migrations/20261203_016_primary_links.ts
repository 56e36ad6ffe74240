import { sql, type Kysely } from 'kysely';

/**
 * Integer link facts for the Bulk PIN pass (issue 14): one row per Sort-1 link, keyed by the
 * patient's and the contact's rowids, with the link's Authority, Resides with and Portal column as
 * the pass's bits (bulk/passRows.ts LINK_BITS, the same formula). The pass reads patients in rowid
 * order and finds each one's link by an integer key, instead of two lookups by TEXT id per
 * patient (the patient's Sort-1 link, then the contact's rowid).
 *
 * Kept by SQLite itself, whoever writes: every insert, update or delete of a link, and the delete
 * of a patient or contact (a cascade deletes its links after the row is gone, when the link's ids
 * no longer find rowids), goes through the triggers below. So the pull, the FHIR load, the import,
 * the desk's edits and the worklist's inline fixes cannot leave it behind. An INSERT OR REPLACE of
 * a link fires no delete trigger (recursive triggers are off), so the insert trigger settles the
 * pair whatever was there. A patient or contact inserted after its links (foreign keys off) gets
 * its facts from its insert trigger. The mirror never changes a rowid in place (no VACUUM, no
 * REPLACE of patients or contacts: every writer upserts).
 */
const BITS = (row: 'NEW') =>
  `(CASE ${row}.authority WHEN 'Joint' THEN 1 WHEN 'Exclusive' THEN 2 WHEN 'None' THEN 3 ELSE 0 END) + ${row}.resides_with * 4 + ${row}.portal_flag * 8`;
const FACT_OF = (row: 'NEW' | 'OLD') =>
  `patient_rowid = (SELECT rowid FROM patients WHERE id = ${row}.patient_id) AND contact_rowid = (SELECT rowid FROM contacts WHERE id = ${row}.contact_id)`;
const INSERT_NEW = `INSERT OR REPLACE INTO primary_links (patient_rowid, contact_rowid, bits)
    SELECT p.rowid, c.rowid, ${BITS('NEW')} FROM patients p, contacts c WHERE p.id = NEW.patient_id AND c.id = NEW.contact_id`;
const LINKS_BITS = `(CASE pc.authority WHEN 'Joint' THEN 1 WHEN 'Exclusive' THEN 2 WHEN 'None' THEN 3 ELSE 0 END) + pc.resides_with * 4 + pc.portal_flag * 8`;

export const statements = [
  `CREATE TABLE primary_links (
     patient_rowid INTEGER NOT NULL,
     contact_rowid INTEGER NOT NULL,
     bits INTEGER NOT NULL,
     PRIMARY KEY (patient_rowid, contact_rowid)
   ) STRICT, WITHOUT ROWID`,
  `CREATE INDEX primary_links_contact ON primary_links(contact_rowid)`,
  `INSERT INTO primary_links (patient_rowid, contact_rowid, bits)
   SELECT p.rowid, c.rowid, ${LINKS_BITS}
     FROM patient_contacts pc JOIN patients p ON p.id = pc.patient_id JOIN contacts c ON c.id = pc.contact_id
    WHERE pc.sort = 1 ORDER BY 1, 2`,
  `CREATE TRIGGER primary_links_link_insert AFTER INSERT ON patient_contacts WHEN NEW.sort = 1 BEGIN ${INSERT_NEW}; END`,
  `CREATE TRIGGER primary_links_link_insert_other AFTER INSERT ON patient_contacts WHEN NEW.sort IS NOT 1 BEGIN
     DELETE FROM primary_links WHERE ${FACT_OF('NEW')};
   END`,
  `CREATE TRIGGER primary_links_link_update AFTER UPDATE ON patient_contacts BEGIN
     DELETE FROM primary_links WHERE ${FACT_OF('OLD')};
     ${INSERT_NEW} AND NEW.sort = 1;
   END`,
  `CREATE TRIGGER primary_links_link_delete AFTER DELETE ON patient_contacts WHEN OLD.sort = 1 BEGIN
     DELETE FROM primary_links WHERE ${FACT_OF('OLD')};
   END`,
  `CREATE TRIGGER primary_links_patient_delete AFTER DELETE ON patients BEGIN
     DELETE FROM primary_links WHERE patient_rowid = OLD.rowid;
   END`,
  `CREATE TRIGGER primary_links_contact_delete AFTER DELETE ON contacts BEGIN
     DELETE FROM primary_links WHERE contact_rowid = OLD.rowid;
   END`,
  `CREATE TRIGGER primary_links_patient_insert AFTER INSERT ON patients BEGIN
     INSERT OR REPLACE INTO primary_links (patient_rowid, contact_rowid, bits)
     SELECT NEW.rowid, c.rowid, ${LINKS_BITS} FROM patient_contacts pc JOIN contacts c ON c.id = pc.contact_id
      WHERE pc.patient_id = NEW.id AND pc.sort = 1;
   END`,
  `CREATE TRIGGER primary_links_contact_insert AFTER INSERT ON contacts BEGIN
     INSERT OR REPLACE INTO primary_links (patient_rowid, contact_rowid, bits)
     SELECT p.rowid, NEW.rowid, ${LINKS_BITS} FROM patient_contacts pc JOIN patients p ON p.id = pc.patient_id
      WHERE pc.contact_id = NEW.id AND pc.sort = 1;
   END`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}
