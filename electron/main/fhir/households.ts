/**
 * Which family each staged patient belongs to (issue 15, "Family"), written to
 * fhir_staging_family before the pages are assembled:
 *
 * 1. its household Group, where the EHR has one (the first Group listing it);
 * 2. else the patients that share a guardian (the same person by contact id, a parent or legal
 *    guardian by relationship, or with Joint or Exclusive authority or residence by the EHR's
 *    extensions: mapping.ts isGuardian) AND the same home address (folded; two patients
 *    without an address count as the same address) are one family: union-find over the staging
 *    rowids, in an Int32Array, edges read sorted from SQLite, so nothing per patient is an object.
 *    Children with no guardian on file at all are grouped by the home address alone;
 * 3. a family so found takes the family the mirror already gives one of its patients (the
 *    smallest id), so an increment never moves a child, or else the family of a patient the
 *    mirror links to one of its guardians (a new baby of a known mother); else a new family
 *    `hh-<first patient id>` named after that patient's last name.
 *
 * A guardian of children in two homes (a blended family) links them only where the address
 * matches, so the two households stay two families, as SPEC 2 wants.
 */
import { createHash } from 'node:crypto';
import type BetterSqlite3 from 'better-sqlite3';
import type { WriteTurn } from '../db/deskTurn';
import { FAMILY_SOURCE_KEY, type FamilySourceSummary } from '../../../shared/fhir/familySource';
import { mapHousehold, pickName, type MappingContext } from './mapping';
import { indexStaging } from './stagingFile';
import type { StagedGroup, StagedPatient } from './resources';

/** The id of a family derived around one patient: `hh-<patient id>`, hashed when that would pass 64 characters. */
export function derivedFamilyId(patientId: string): string {
  const id = `hh-${patientId}`;
  return id.length <= 64 ? id : `hh-${createHash('sha256').update(patientId).digest('hex').slice(0, 40)}`;
}

/**
 * Rows of a `... WHERE <...> AND s.rowid > ? ORDER BY s.rowid LIMIT ?` statement, a chunk at a
 * time, so the caller may write between chunks (better-sqlite3 refuses other statements while
 * an iterator is open) and never holds more than a chunk.
 */
export function* inChunks<T extends unknown[]>(statement: BetterSqlite3.Statement, params: unknown[], chunk = 2_000): Generator<T> {
  let after = 0;
  for (;;) {
    const rows = statement.raw().all(...params, after, chunk) as T[];
    for (const row of rows) yield row;
    if (rows.length < chunk) return;
    after = rows[rows.length - 1]![0] as number;
  }
}

/** Placements written per transaction: a commit per patient would be one disk flush each, one for 200,000 holds the file for seconds. */
const PLACE_CHUNK = 2_000;

/**
 * The writes of a placement, buffered and written PLACE_CHUNK rows a transaction, `between` the
 * transactions. The placement reads outside any transaction of its own; only this table is
 * written, in the staging file (stagingFile.ts), which the clerk never sees: each transaction
 * begins deferred, so it takes that file's lock and never the mirror's (a desk write does not wait
 * for it). A placement cut off half-way is redone whole (it starts by deleting the run's rows).
 */
class PlacementWriter {
  private rows: [string, string, string, string, string][] = [];
  private readonly insert: BetterSqlite3.Statement;
  constructor(
    private readonly sqlite: BetterSqlite3.Database,
    private readonly between: () => void,
    private readonly chunk: number,
  ) {
    this.insert = sqlite.prepare(
      `INSERT INTO fhir_staging_family (run_id, patient_id, family_id, source, family_name) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (run_id, patient_id) DO NOTHING`,
    );
  }
  run(runId: string, patientId: string, familyId: string, source: string, name: string): void {
    this.rows.push([runId, patientId, familyId, source, name]);
    if (this.rows.length >= this.chunk) this.flush();
  }
  flush(): void {
    if (this.rows.length === 0) return;
    const rows = this.rows;
    this.rows = [];
    this.sqlite
      .transaction(() => {
        for (const row of rows) this.insert.run(row);
      })
      .deferred();
    this.between();
  }
  clear(runId: string): void {
    const chunk = this.sqlite.prepare(
      `DELETE FROM fhir_staging_family WHERE run_id = ? AND patient_id IN (SELECT patient_id FROM fhir_staging_family WHERE run_id = ? LIMIT ${this.chunk})`,
    );
    while (this.sqlite.transaction(() => chunk.run(runId, runId).changes).deferred() > 0) this.between();
  }
}

/**
 * Every staged patient in a family (household Groups, else shared guardian and address, else the
 * mirror's), written PLACE_CHUNK rows a transaction with `between` after each (the desk's turn).
 */
export function placeFamilies(
  sqlite: BetterSqlite3.Database,
  runId: string,
  ctx: MappingContext,
  between: () => void = () => undefined,
  chunk = PLACE_CHUNK,
  turn: WriteTurn = (write) => write(),
): FamilySourceSummary | null {
  indexStaging(sqlite);
  const place = new PlacementWriter(sqlite, between, chunk);
  place.clear(runId);
  return placeAll(sqlite, runId, ctx, place, turn);
}

function placeAll(sqlite: BetterSqlite3.Database, runId: string, ctx: MappingContext, place: PlacementWriter, turn: WriteTurn): FamilySourceSummary | null {
  // 1. Household Groups.
  const groups = sqlite.prepare(`SELECT rowid, body FROM fhir_staging WHERE run_id = ? AND resource_type = 'Group' AND rowid > ? ORDER BY rowid LIMIT ?`);
  for (const [, body] of inChunks<[number, string]>(groups, [runId])) {
    const household = mapHousehold(JSON.parse(body) as StagedGroup, ctx);
    if (household) for (const member of household.memberIds) place.run(runId, member, household.family.id, 'household', '');
  }
  place.flush(); // step 2 reads who is placed

  // 2. Everyone else: union-find over staging rowids.
  const unplacedWhere = `s.run_id = ? AND s.resource_type = 'Patient'
       AND NOT EXISTS (SELECT 1 FROM fhir_staging_family f WHERE f.run_id = s.run_id AND f.patient_id = s.resource_id)`;
  const maxRowid = (sqlite.prepare(`SELECT max(rowid) FROM fhir_staging s WHERE ${unplacedWhere}`).pluck().get(runId) as number | null) ?? 0;
  const parent = new Int32Array(maxRowid + 1).map((_, i) => i);
  const find = (x: number): number => {
    let root = x;
    while (parent[root] !== root) root = parent[root]!;
    while (parent[x] !== root) {
      const next = parent[x]!;
      parent[x] = root;
      x = next;
    }
    return root;
  };
  const edges = sqlite
    .prepare(
      `SELECT s.rowid, rp.contact_id, coalesce(s.address_key, '') FROM fhir_staging rp
         JOIN fhir_staging s ON s.run_id = rp.run_id AND s.resource_type = 'Patient' AND s.resource_id = rp.patient_id
        WHERE rp.run_id = ? AND rp.resource_type = 'RelatedPerson' AND rp.guardian = 1 AND ${unplacedWhere.replace('s.run_id = ? AND ', '')}
        ORDER BY rp.contact_id, 3, s.rowid`,
    )
    .raw();
  // Children without any guardian on file: the home address alone.
  const alone = sqlite
    .prepare(
      `SELECT s.rowid, '', s.address_key FROM fhir_staging s
        WHERE ${unplacedWhere} AND s.address_key IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM fhir_staging rp WHERE rp.run_id = s.run_id AND rp.patient_id = s.resource_id
                            AND rp.resource_type = 'RelatedPerson' AND rp.guardian = 1)
        ORDER BY s.address_key, s.rowid`,
    )
    .raw();
  for (const statement of [edges, alone]) {
    let lastKey = '';
    let lastRow = -1;
    for (const [rowid, contactId, address] of statement.iterate(runId) as IterableIterator<[number, string, string]>) {
      const key = `${contactId}\u0000${address}`;
      if (key === lastKey) {
        // The smaller rowid becomes the root: the family is named after its first patient.
        const a = find(lastRow);
        const b = find(rowid);
        if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
      }
      lastKey = key;
      lastRow = rowid;
    }
  }

  // 3. A family the mirror already gives one of them, else a new one.
  const unplaced = sqlite.prepare(`SELECT s.rowid, s.resource_id FROM fhir_staging s WHERE ${unplacedWhere} AND s.rowid > ? ORDER BY s.rowid LIMIT ?`);
  const mirrorFamily = sqlite.prepare('SELECT family_id FROM patients WHERE id = ? AND family_id IS NOT NULL').pluck();
  const rootFamily = new Map<number, string>();
  // A new child of a guardian the mirror already knows (an increment that does not carry the
  // siblings) joins that guardian's family: the mirror keeps no addresses to compare.
  const guardianFamily = sqlite
    .prepare(
      `SELECT p.family_id FROM fhir_staging rp
         JOIN patient_contacts l ON l.contact_id = rp.contact_id
         JOIN patients p ON p.id = l.patient_id
        WHERE rp.run_id = ? AND rp.patient_id = ? AND rp.resource_type = 'RelatedPerson' AND rp.guardian = 1 AND p.family_id IS NOT NULL
        ORDER BY p.family_id LIMIT 1`,
    )
    .pluck();
  for (const [rowid, id] of inChunks<[number, string]>(unplaced, [runId])) {
    const existing = (mirrorFamily.get(id) ?? guardianFamily.get(runId, id)) as string | undefined;
    if (existing === undefined) continue;
    const root = find(rowid);
    const known = rootFamily.get(root);
    if (known === undefined || existing < known) rootFamily.set(root, existing);
  }
  const idAt = sqlite.prepare('SELECT resource_id, body FROM fhir_staging WHERE rowid = ?').raw();
  // Placing a patient takes it out of `unplaced`: the rowids are read first (numbers only).
  const rows = sqlite.prepare(`SELECT s.rowid FROM fhir_staging s WHERE ${unplacedWhere} ORDER BY s.rowid`).pluck().all(runId) as number[];
  for (const rowid of rows) {
    const root = find(rowid);
    const [id] = idAt.get(rowid) as [string, string];
    const kept = rootFamily.get(root);
    if (kept !== undefined) {
      place.run(runId, id, kept, 'mirror', '');
      continue;
    }
    const [rootId, rootBody] = idAt.get(root) as [string, string];
    const name = root === rowid ? pickName((JSON.parse(rootBody) as StagedPatient).name).lastName : '';
    place.run(runId, id, derivedFamilyId(rootId), 'derived', name);
  }

  place.flush();

  const counts = sqlite.prepare('SELECT source, count(*) FROM fhir_staging_family WHERE run_id = ? GROUP BY source').raw().all(runId) as [string, number][];
  const by = Object.fromEntries(counts) as Record<string, number>;
  const households = by.household ?? 0;
  const derived = by.derived ?? 0;
  if (households === 0 && derived === 0) return null;
  const summary: FamilySourceSummary = {
    source: derived === 0 ? 'household_groups' : households === 0 ? 'guardians_and_address' : 'mixed',
    households,
    mirror: by.mirror ?? 0,
    derived,
  };
  const save = sqlite.prepare('INSERT INTO sync_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
  turn(() => save.run(FAMILY_SOURCE_KEY, JSON.stringify(summary)));
  return summary;
}
