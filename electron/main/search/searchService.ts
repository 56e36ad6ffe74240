import type BetterSqlite3 from 'better-sqlite3';
import type { SearchHit, SearchResults } from '../../../shared/api';
import type { PatientStatus } from '../../../shared/domain/patient';
import type { AppContext } from '../context';
import { exclusive } from '../lib/exclusive';
import { prefixEnd, searchTokens } from './terms';
import { JSON_IDS, perConnection } from '../lib/perConnection';

export const DEFAULT_SEARCH_LIMIT = 25;

/**
 * The search's statements, prepared once per connection (raw SQL: better-sqlite3 prepared
 * statements skip Kysely's per-call compile, and the driver's async hop; the desk types a query
 * per keystroke). Keyed by the number of tokens for the candidate query.
 */
interface Statements {
  candidates: Map<number, BetterSqlite3.Statement>;
  hits: BetterSqlite3.Statement;
}
const statementsFor = perConnection(
  (sqlite): Statements => ({
    candidates: new Map(),
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

/** Patients with a term in the first token's range and, through the (patient_id, term) index, one in every other's. */
function candidateStatement(s: Statements, sqlite: BetterSqlite3.Database, tokens: number): BetterSqlite3.Statement {
  let statement = s.candidates.get(tokens);
  if (!statement) {
    const others = Array.from(
      { length: tokens - 1 },
      () => 'AND EXISTS (SELECT 1 FROM search_terms tx WHERE tx.patient_id = t0.patient_id AND tx.term >= ? AND tx.term < ?)',
    );
    statement = sqlite.prepare(`SELECT DISTINCT t0.patient_id FROM search_terms t0 WHERE t0.term >= ? AND t0.term < ? ${others.join(' ')} LIMIT ?`).pluck();
    s.candidates.set(tokens, statement);
  }
  return statement;
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
 * contact's name, email or phone). The longest token drives an index range scan; the others are
 * checked per candidate through the (patient_id, term) index. (Choosing the token with the smallest
 * range instead was tried: counting the ranges cost as much as it saved, issue 14's note.)
 */
export async function searchPatients(ctx: AppContext, text: string, limit = DEFAULT_SEARCH_LIMIT): Promise<SearchResults> {
  const tokens = searchTokens(text);
  if (tokens.length === 0) return { query: text, hits: [], more: false };
  const s = statementsFor(ctx.sqlite);

  // Kysely's connection lock, as every read of the app: never inside another call's open transaction.
  const rows = await exclusive(ctx.db, () => {
    const ids = candidateStatement(s, ctx.sqlite, tokens.length).all(...tokens.flatMap((t) => [t, prefixEnd(t)]), limit + 1) as string[];
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
