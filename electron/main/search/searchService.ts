import type BetterSqlite3 from 'better-sqlite3';
import type { SearchHit, SearchResults } from '../../../shared/api';
import type { PatientStatus } from '../../../shared/domain/patient';
import type { AppContext } from '../context';
import { exclusive } from '../lib/exclusive';
import { pairPrefix, pairTerm, prefixEnd, searchTokens } from './terms';
import { JSON_IDS, perConnection } from '../lib/perConnection';

export const DEFAULT_SEARCH_LIMIT = 25;

/**
 * The search's statements, prepared once per connection (raw SQL: better-sqlite3 prepared
 * statements skip Kysely's per-call compile, and the driver's async hop; the desk types a query
 * per keystroke). The candidate queries are keyed by their shape (how they start, how many words
 * are checked per patient).
 */
interface Statements {
  candidates: Map<string, BetterSqlite3.Statement>;
  count: BetterSqlite3.Statement;
  hits: BetterSqlite3.Statement;
}
const statementsFor = perConnection(
  (sqlite): Statements => ({
    candidates: new Map(),
    // Terms in a range, counted up to a bound: a short read of the primary key, however wide the range.
    count: sqlite.prepare('SELECT count(*) FROM (SELECT 1 FROM search_terms WHERE term >= ? AND term < ? LIMIT ?)').pluck(),
    hits: sqlite.prepare(
      `SELECT p.id, p.family_id, f.name AS family_name, p.first_name, p.last_name, p.date_of_birth, p.chart_number, p.status,
            c.first_name AS guardian_first, c.last_name AS guardian_last
       FROM patients p
       LEFT JOIN families f ON f.id = p.family_id
       LEFT JOIN patient_contacts pc ON pc.patient_id = p.id AND pc.sort = 1
       LEFT JOIN contacts c ON c.id = pc.contact_id
      WHERE p.id IN (${JSON_IDS})`,
    ),
  }),
);

const CHECK = 'AND EXISTS (SELECT 1 FROM search_terms tx WHERE tx.patient_id = t0.patient_id AND tx.term >= ? AND tx.term < ?)';

/**
 * Patients with a term in the first token's range ('range'), holding a pair term ('pair'), or both
 * ('both': the pair term's patients intersected with the range's, two ordered reads of the primary
 * key merged, rather than one index probe per candidate), and, through the (patient_id, term)
 * index, a term in every checked token's range.
 */
function candidateStatement(s: Statements, sqlite: BetterSqlite3.Database, start: 'range' | 'pair' | 'both', checks: number): BetterSqlite3.Statement {
  const key = `${start}:${checks}`;
  let statement = s.candidates.get(key);
  if (!statement) {
    const others = Array.from({ length: checks }, () => CHECK).join(' ');
    const sql = {
      range: `SELECT DISTINCT t0.patient_id FROM search_terms t0 WHERE t0.term >= ? AND t0.term < ? ${others} LIMIT ?`,
      // One pair term per patient: no DISTINCT.
      pair: `SELECT t0.patient_id FROM search_terms t0 WHERE t0.term = ? ${others} LIMIT ?`,
      both: `SELECT t0.patient_id FROM (SELECT patient_id FROM search_terms WHERE term = ?
               INTERSECT SELECT patient_id FROM search_terms WHERE term >= ? AND term < ?) t0 WHERE 1 ${others} LIMIT ?`,
    }[start];
    statement = sqlite.prepare(sql).pluck();
    s.candidates.set(key, statement);
  }
  return statement;
}

/**
 * Ranges are counted up to this many terms. Past it, the longest word's range is not read whole
 * and the pair term starts the search; below it, reading it whole to intersect with the pair
 * term's patients may pay.
 */
const MERGE_RANGE = 3_000;
/**
 * An index probe per candidate costs about this many rows read in order (measured at 200,000
 * patients: about 3 µs a probe against 0.2 µs a row of a range), so the two ranges are merged
 * when together they hold fewer rows than this many times the smaller one.
 */
const PROBE_ROWS = 12;

const ranges = (tokens: readonly string[]) => tokens.flatMap((t) => [t, prefixEnd(t)]);

/**
 * The candidate patients, up to `limit`. When two words begin with two letters each, their pair
 * term's patients hold every match (a pair term exists for any two distinct terms of a patient,
 * and `searchTokens` drops a word that begins another), so the search starts from the smallest of:
 * the longest word's range probed for the others, the pair term's patients probed for the words it
 * does not settle, or both read whole and merged (then only the remaining words are probed). The
 * counts that choose stop at a bound, so choosing costs little however wide a range is.
 */
function candidates(s: Statements, sqlite: BetterSqlite3.Database, tokens: readonly string[], limit: number, pairTerms: boolean): string[] {
  const [first, ...rest] = tokens as [string, ...string[]];
  const paired = tokens.filter((t) => pairPrefix(t) !== null).slice(0, 2);
  if (pairTerms && paired.length === 2) {
    const pair = pairTerm(pairPrefix(paired[0]!)!, pairPrefix(paired[1]!)!);
    // A paired word of exactly two letters is settled by the pair term itself.
    const unsettled = tokens.filter((t) => !(paired.includes(t) && t.length === 2));
    const longest = s.count.get(first, prefixEnd(first), MERGE_RANGE) as number;
    // Counted only when the range was: past MERGE_RANGE, the pair term starts.
    const pairRows = longest < MERGE_RANGE ? (s.count.get(pair, `${pair}\0`, MERGE_RANGE) as number) : 0;
    if (longest < MERGE_RANGE && pairRows === 0) return [];
    if (longest < MERGE_RANGE && longest + pairRows < PROBE_ROWS * Math.min(longest, pairRows)) {
      const checked = unsettled.filter((t) => t !== first);
      return candidateStatement(s, sqlite, 'both', checked.length).all(pair, first, prefixEnd(first), ...ranges(checked), limit) as string[];
    }
    if (longest >= MERGE_RANGE || pairRows < longest) {
      return candidateStatement(s, sqlite, 'pair', unsettled.length).all(pair, ...ranges(unsettled), limit) as string[];
    }
  }
  return candidateStatement(s, sqlite, 'range', rest.length).all(...ranges(tokens), limit) as string[];
}

type HitRow = {
  id: string;
  family_id: string | null;
  family_name: string | null;
  first_name: string;
  last_name: string;
  date_of_birth: string | null;
  chart_number: string;
  status: PatientStatus;
  guardian_first: string | null;
  guardian_last: string | null;
};

/**
 * Patients matching every typed token by prefix (names, chart number, date of birth, any linked
 * contact's name, email or phone). The longest token's index range, or for two words a pair term
 * (see `candidates`), gives the candidates; the other tokens are checked per candidate through the
 * (patient_id, term) index. (Counting every token's range to start from the smallest was tried:
 * unbounded counts of ranges such as "ma" cost as much as they saved, issue 14's note; the counts
 * here stop at a bound.)
 */
export async function searchPatients(
  ctx: AppContext,
  text: string,
  limit = DEFAULT_SEARCH_LIMIT,
  /** false: always from the longest word's range, as before the pair terms (the bench's comparison; same results). */
  pairTerms = true,
): Promise<SearchResults> {
  const tokens = searchTokens(text);
  if (tokens.length === 0) return { query: text, hits: [], more: false };
  const s = statementsFor(ctx.sqlite);

  // Kysely's connection lock, as every read of the app: never inside another call's open transaction.
  const rows = await exclusive(ctx.db, () => {
    const ids = candidates(s, ctx.sqlite, tokens, limit + 1, pairTerms);
    return { more: ids.length > limit, hits: ids.length === 0 ? [] : (s.hits.all(JSON.stringify(ids.slice(0, limit))) as HitRow[]) };
  });
  const more = rows.more;
  if (rows.hits.length === 0) return { query: text, hits: [], more: false };

  const byId = new Map<string, SearchHit>();
  for (const r of rows.hits) {
    if (byId.has(r.id)) continue;
    byId.set(r.id, {
      patientId: r.id,
      familyId: r.family_id,
      familyName: r.family_name,
      firstName: r.first_name,
      lastName: r.last_name,
      dateOfBirth: r.date_of_birth,
      chartNumber: r.chart_number,
      status: r.status,
      guardian: r.guardian_first === null ? null : `${r.guardian_first} ${r.guardian_last ?? ''}`.trim(),
    });
  }
  const hits = [...byId.values()].sort(
    (a, b) => a.lastName.localeCompare(b.lastName) || a.firstName.localeCompare(b.firstName) || (a.dateOfBirth ?? '').localeCompare(b.dateOfBirth ?? ''),
  );
  return { query: text, hits, more };
}
