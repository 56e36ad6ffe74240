import { sql, type Kysely } from 'kysely';

/**
 * A FHIR load stages in a file of its own beside the mirror (electron/main/fhir/stagingFile.ts,
 * issue 14), so the mirror's tables of migration 014 go: while they exist, the unqualified names
 * would find them before the staging file's. What they held is only a copy of the EHR's data: a
 * run that was staging when the app was updated stages its export again from the first line (the
 * staging file has no position for it), and nothing of the mirror's own data is touched.
 * fhir_link_inferences stays: it is the mirror's (the worklist reads it after the run).
 */
const statements = ['DROP TABLE IF EXISTS fhir_staging_family', 'DROP TABLE IF EXISTS fhir_staging'];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}
