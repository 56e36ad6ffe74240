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
 * Patients with a term in the first token's range ('range') or holding a pair term ('pair'), and,
 * through the (patient_id, term) index, a term in every checked token's range.
 */
function candidateStatement(s: Statements, sqlite: BetterSqlite3.Database, start: 'range' | 'pair', checks: number): BetterSqlite3.Statement {
  const key = `${start}:${checks}`;
  let statement = s.candidates.get(key);
  if (!statement) {
    const others = Array.from({ length: checks }, () => CHECK).join(' ');
    statement = sqlite
      .prepare(
        start === 'range'
          ? `SELECT DISTINCT t0.patient_id FROM search_terms t0 WHERE t0.term >= ? AND t0.term < ? ${others} LIMIT ?`
          : // One pair term per patient: no DISTINCT.
            `SELECT t0.patient_id FROM search_terms t0 WHERE t0.term = ? ${others} LIMIT ?`,
      )
      .pluck();
    s.candidates.set(key, statement);
  }
  return statement;
}

/** Past this many terms in the longest word's range, the pair term starts the search without counting it. */
const WIDE_RANGE = 1_000;

const ranges = (tokens: readonly string[]) => tokens.flatMap((t) => [t, prefixEnd(t)]);

/**
 * The candidate patients, up to `limit`: the longest word's range checked against the others, or,
 * when two words begin with two letters each and the longest word's range is wider than their
 * pair term's patients, those patients checked against every word the pair does not settle.
 * Both give every patient matching all words (a pair term exists for any two distinct terms of a
 * patient, and `searchTokens` drops a word that begins another); the smaller start reads fewer rows.
 */
function candidates(s: Statements, sqlite: BetterSqlite3.Database, tokens: readonly string[], limit: number, pairTerms: boolean): string[] {
  const [first, ...rest] = tokens as [string, ...string[]];
  const paired = tokens.filter((t) => pairPrefix(t) !== null).slice(0, 2);
  if (pairTerms && paired.length === 2) {
    const pair = pairTerm(pairPrefix(paired[0]!)!, pairPrefix(paired[1]!)!);
    const longest = s.count.get(first, prefixEnd(first), WIDE_RANGE) as number;
    const pairRows = longest < WIDE_RANGE ? (s.count.get(pair, `${pair}\0`, longest) as number) : 0;
    if (longest >= WIDE_RANGE || pairRows < longest) {
      // A paired word of exactly two letters is settled by the pair term itself.
      const checked = tokens.filter((t) => !(paired.includes(t) && t.length === 2));
      return candidateStatement(s, sqlite, 'pair', checked.length).all(pair, ...ranges(checked), limit) as string[];
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
