import { sql, type Kysely } from 'kysely';

/**
 * A FHIR source (issue 15): resources are staged here as their NDJSON files stream in, one row
 * each (its JSON and the few keys assembling needs), so 200,000 patients never sit in memory;
 * electron/main/fhir/ingest.ts then assembles them into pages of the sync protocol.
 *
 * - `fhir_staging`: one resource of one run (a later copy of the same resource replaces it).
 *   patient_id: the Patient's own id, or the patient a RelatedPerson or Appointment names;
 *   contact_id: a RelatedPerson's person (shared identifier, else its id); guardian: a parent or
 *   guardian by relationship (households are derived from shared guardians); address_key: the
 *   Patient's or RelatedPerson's home address, folded for comparison.
 * - `fhir_staging_family`: the family each staged patient was placed in during assembly, and why:
 *   its household Group, the family the mirror already gives it, or derived from shared guardians
 *   and the home address (then with the name the new family gets).
 * - `fhir_link_inferences`: Family Contact links whose Authority, Sort or Resides-with the EHR did
 *   not say and the mapping inferred; the data-quality worklist lists them ("authority inferred
 *   from relationship: confirm"). Kept after the run.
 */
const statements = [
  `CREATE TABLE fhir_staging (
     run_id TEXT NOT NULL,
     resource_type TEXT NOT NULL CHECK (resource_type IN ('Patient', 'RelatedPerson', 'Appointment', 'Group')),
     resource_id TEXT NOT NULL,
     patient_id TEXT,
     contact_id TEXT,
     guardian INTEGER NOT NULL DEFAULT 0 CHECK (guardian IN (0, 1)),
     address_key TEXT,
     last_updated TEXT NOT NULL DEFAULT '',
     body TEXT NOT NULL,
     UNIQUE (run_id, resource_type, resource_id)
   ) STRICT`,
  // Read back a type at a time in rowid order, a chunk at a time (rowid > ? ORDER BY rowid LIMIT n):
  // this index keeps each chunk a range read (the unique one would sort the whole type per chunk).
  `CREATE INDEX fhir_staging_type ON fhir_staging (run_id, resource_type)`,
  `CREATE INDEX fhir_staging_patient ON fhir_staging (run_id, patient_id, resource_type)`,
  `CREATE INDEX fhir_staging_contact ON fhir_staging (run_id, contact_id, last_updated)`,
  `CREATE TABLE fhir_staging_family (
     run_id TEXT NOT NULL,
     patient_id TEXT NOT NULL,
     family_id TEXT NOT NULL,
     source TEXT NOT NULL CHECK (source IN ('household', 'mirror', 'derived')),
     family_name TEXT NOT NULL DEFAULT '',
     PRIMARY KEY (run_id, patient_id)
   ) STRICT, WITHOUT ROWID`,
  `CREATE TABLE fhir_link_inferences (
     patient_id TEXT NOT NULL,
     contact_id TEXT NOT NULL,
     authority INTEGER NOT NULL CHECK (authority IN (0, 1)),
     sort INTEGER NOT NULL CHECK (sort IN (0, 1)),
     resides_with INTEGER NOT NULL CHECK (resides_with IN (0, 1)),
     seen_at TEXT NOT NULL,
     PRIMARY KEY (patient_id, contact_id)
   ) STRICT, WITHOUT ROWID`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}
