import { sql, type Kysely } from 'kysely';

/**
 * Pair terms in the search index (issue 14; search/terms.ts `addPairTerms` is the rule): for every
 * two distinct terms of a patient that each begin with two letters (a-z or any character past
 * ASCII), one term char(1) || first beginning || ' ' || second beginning, the beginnings in code
 * point order. A two-word search such as "Ko Smit" then starts from the patients holding both
 * beginnings instead of every "smit".
 *
 * The search relies on every patient having theirs, so a mirror indexed before this migration gets
 * them here, from its stored terms alone (a migration imports no live code: the rule is written
 * twice, and tests/unit/db/searchPairsMigration.test.ts checks the two agree). Per patient, each
 * beginning with how many terms have it: two different beginnings make a pair, a beginning two
 * terms share makes one too. At 200,000 patients this adds about 1.8 million terms, once.
 */
const letter = (c: string) => `(${c} BETWEEN 'a' AND 'z' OR unicode(${c}) >= 128)`;

const statements = [
  `CREATE TEMP TABLE pair_prefixes (
     patient_id TEXT NOT NULL, prefix TEXT NOT NULL, terms INTEGER NOT NULL, PRIMARY KEY (patient_id, prefix)
   ) WITHOUT ROWID`,
  `INSERT INTO temp.pair_prefixes (patient_id, prefix, terms)
   SELECT patient_id, substr(term, 1, 2), count(*) FROM search_terms
    WHERE ${letter('substr(term, 1, 1)')} AND ${letter('substr(term, 2, 1)')}
    GROUP BY patient_id, substr(term, 1, 2)`,
  `INSERT OR IGNORE INTO search_terms (term, patient_id)
   SELECT term, patient_id FROM (
     SELECT char(1) || a.prefix || ' ' || b.prefix AS term, a.patient_id
       FROM temp.pair_prefixes a JOIN temp.pair_prefixes b ON b.patient_id = a.patient_id AND b.prefix > a.prefix
     UNION ALL
     SELECT char(1) || prefix || ' ' || prefix, patient_id FROM temp.pair_prefixes WHERE terms > 1
   ) ORDER BY term, patient_id`,
  'DROP TABLE temp.pair_prefixes',
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}
