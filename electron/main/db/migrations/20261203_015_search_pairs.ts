import { sql, type Kysely } from 'kysely';

/**
 * Pair terms in the search index (issue 14; search/terms.ts `addPairTerms` is the rule): for every
 * two distinct terms of a patient that each begin with two letters (a-z or any character past
 * ASCII), neither beginning the other, one term char(1) || first beginning || ' ' || second
 * beginning, the beginnings in code point order. A two-word search such as "Ko Smit" then starts from the patients holding both
 * beginnings instead of every "smit".
 *
 * The search relies on every patient having theirs, so a mirror indexed before this migration gets
 * them here, from its stored terms alone (a migration imports no live code: the rule is written
 * twice, and tests/unit/db/searchPairsMigration.test.ts checks the two agree). Per patient: two different
 * beginnings make a pair; one beginning makes one when two of its terms do not begin one another. At 200,000 patients this adds about 1.8 million terms, once.
 */
const letter = (c: string) => `(${c} BETWEEN 'a' AND 'z' OR unicode(${c}) >= 128)`;

const statements = [
  `CREATE TEMP TABLE pair_terms (
     patient_id TEXT NOT NULL, prefix TEXT NOT NULL, term TEXT NOT NULL, PRIMARY KEY (patient_id, prefix, term)
   ) WITHOUT ROWID`,
  `INSERT INTO temp.pair_terms (patient_id, prefix, term)
   SELECT patient_id, substr(term, 1, 2), term FROM search_terms
    WHERE ${letter('substr(term, 1, 1)')} AND ${letter('substr(term, 2, 1)')}`,
  `CREATE TEMP TABLE pair_prefixes AS SELECT DISTINCT patient_id, prefix FROM temp.pair_terms`,
  `INSERT OR IGNORE INTO search_terms (term, patient_id)
   SELECT term, patient_id FROM (
     SELECT char(1) || a.prefix || ' ' || b.prefix AS term, a.patient_id
       FROM temp.pair_prefixes a JOIN temp.pair_terms b ON b.patient_id = a.patient_id AND b.prefix > a.prefix
      GROUP BY a.patient_id, a.prefix, b.prefix
     UNION ALL
     SELECT DISTINCT char(1) || a.prefix || ' ' || a.prefix, a.patient_id
       FROM temp.pair_terms a JOIN temp.pair_terms b ON b.patient_id = a.patient_id AND b.prefix = a.prefix AND b.term > a.term
      WHERE substr(b.term, 1, length(a.term)) <> a.term
   ) ORDER BY term, patient_id`,
  'DROP TABLE temp.pair_prefixes',
  'DROP TABLE temp.pair_terms',
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}
