import { sql } from 'kysely';
import type { SearchHit, SearchResults } from '../../../shared/api';
import type { AppContext } from '../context';
import { prefixEnd, searchTokens } from './terms';

export const DEFAULT_SEARCH_LIMIT = 25;

/**
 * Patients matching every typed token by prefix (names, chart number, date of birth, any linked
 * contact's name, email or phone). The longest token drives an index range scan; the others are
 * checked per candidate through the (patient_id, term) index.
 */
export async function searchPatients(ctx: AppContext, text: string, limit = DEFAULT_SEARCH_LIMIT): Promise<SearchResults> {
  const tokens = searchTokens(text);
  if (tokens.length === 0) return { query: text, hits: [], more: false };
  const [first, ...rest] = tokens as [string, ...string[]];

  const others = rest.map(
    (token) =>
      sql`AND EXISTS (SELECT 1 FROM search_terms tx
                       WHERE tx.patient_id = t0.patient_id AND tx.term >= ${token} AND tx.term < ${prefixEnd(token)})`,
  );
  const candidates = await sql<{ patient_id: string }>`
    SELECT DISTINCT t0.patient_id FROM search_terms t0
     WHERE t0.term >= ${first} AND t0.term < ${prefixEnd(first)} ${sql.join(others, sql` `)}
     LIMIT ${limit + 1}`.execute(ctx.db);
  const ids = candidates.rows.map((r) => r.patient_id);
  const more = ids.length > limit;
  const page = ids.slice(0, limit);
  if (page.length === 0) return { query: text, hits: [], more: false };

  const rows = await ctx.db
    .selectFrom('patients as p')
    .leftJoin('families as f', 'f.id', 'p.family_id')
    .leftJoin('patient_contacts as pc', (join) => join.onRef('pc.patient_id', '=', 'p.id').on('pc.sort', '=', 1))
    .leftJoin('contacts as c', 'c.id', 'pc.contact_id')
    .select([
      'p.id',
      'p.family_id',
      'f.name as family_name',
      'p.first_name',
      'p.last_name',
      'p.date_of_birth',
      'p.chart_number',
      'p.status',
      'c.first_name as guardian_first',
      'c.last_name as guardian_last',
    ])
    .where('p.id', 'in', page)
    .execute();

  const byId = new Map<string, SearchHit>();
  for (const r of rows) {
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
    (a, b) =>
      a.lastName.localeCompare(b.lastName) ||
      a.firstName.localeCompare(b.firstName) ||
      (a.dateOfBirth ?? '').localeCompare(b.dateOfBirth ?? ''),
  );
  return { query: text, hits, more };
}
