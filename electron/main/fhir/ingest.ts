/**
 * FHIR resources → pages of the sync protocol, through a staging table (in a file of its own:
 * stagingFile.ts), so a 200,000-patient practice is never held in memory. The API, for the FHIR client (issue 15):
 *
 *   stageResources(sqlite, runId, resources, config)   one transaction per call: each resource
 *       (parsed NDJSON lines, any JSON) is checked against resources.ts; Patient, RelatedPerson,
 *       Appointment and Group are staged (a later copy of one replaces it), other types are
 *       skipped, a resource that fails is set aside in sync_problems (kind patient / contact /
 *       appointment / family, its id, why) like a record the desk cannot read (issue 8).
 *   assemblePages(sqlite, runId, options)              places every staged patient in a family
 *       (households.ts; how, saved in sync_state `fhir_family_source`), then yields pages: the
 *       families first, then `pageRows` patients at a time with their contacts, links and
 *       appointments, then RelatedPersons and Appointments whose patient was not in this run (an
 *       increment). The caller applies each with applyChangesPage (which keeps a name correction
 *       waiting in the outbox, and sets aside what it cannot apply). Every page but the last
 *       carries `cursorBefore`, the last one `cursorAfter`, so a load stopped half-way is redone.
 *       Links whose Authority, Sort or Resides-with were inferred are written to
 *       fhir_link_inferences as the pages are made.
 *
 * Versions are meta.lastUpdated in milliseconds (mapping.ts), so an older copy never overwrites
 * a newer one. A person with several RelatedPersons (one per child) becomes one contact whose
 * fields are those of the most recently updated of them.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { FhirMappingConfig } from '../../../shared/fhir/mappingConfig';
import type { ChangesPage, ContactRecord } from '../../../shared/sync/protocol';
import type { WriteTurn } from '../db/deskTurn';
import { PULL_CURSOR_KEY } from '../sync/applyPage';
import { inChunks, placeFamilies } from './households';
import { attachStaging, indexStaging } from './stagingFile';
import { prepareResources, type PreparedResources } from './stagePrep';
import {
  mapAppointment,
  mapHousehold,
  mapPatient,
  mapPatientContacts,
  mapRelatedPerson,
  settleLinks,
  type LinkDraft,
  type LinkInference,
  type MappingContext,
} from './mapping';
import type { StagedAppointment, StagedGroup, StagedPatient, StagedRelatedPerson, StagedType } from './resources';

export interface StageResult {
  staged: number;
  /** Resources of other types (OperationOutcome, Practitioner...). */
  skipped: number;
  setAside: number;
}

const problemCursor = (runId: string) => `fhir:${runId}`;

function setAsideStatement(sqlite: BetterSqlite3.Database) {
  return sqlite.prepare(
    `INSERT INTO sync_problems (kind, record_id, problem, cursor, seen_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (kind, record_id) DO UPDATE SET problem = excluded.problem, cursor = excluded.cursor, seen_at = excluded.seen_at`,
  );
}

export function stageResources(
  sqlite: BetterSqlite3.Database,
  runId: string,
  resources: readonly unknown[],
  config: FhirMappingConfig,
  now: Date = new Date(),
): StageResult {
  const prepared = prepareResources(resources, config);
  attachStaging(sqlite);
  return sqlite.transaction(() => writeStaged(sqlite, runId, prepared, now)).immediate();
}

/**
 * Prepared resources (stagePrep.ts) written: each row upserted (a later copy of a resource replaces
 * the one staged, an older one does not), each resource that could not be read set aside. Inside the
 * caller's transaction.
 */
export function writeStaged(sqlite: BetterSqlite3.Database, runId: string, prepared: PreparedResources, now: Date): StageResult {
  const upsert = sqlite.prepare(
    `INSERT INTO fhir_staging (run_id, resource_type, resource_id, patient_id, contact_id, guardian, address_key, last_updated, body)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (run_id, resource_type, resource_id) DO UPDATE SET patient_id = excluded.patient_id, contact_id = excluded.contact_id,
       guardian = excluded.guardian, address_key = excluded.address_key, last_updated = excluded.last_updated, body = excluded.body
     WHERE excluded.last_updated >= fhir_staging.last_updated`,
  );
  const setAside = setAsideStatement(sqlite);
  const seenAt = now.toISOString();
  for (const { kind, id, problem } of prepared.setAside) setAside.run(kind, id, problem, problemCursor(runId), seenAt);
  for (const row of prepared.rows) upsert.run(runId, ...row);
  return { staged: prepared.rows.length, skipped: prepared.skipped, setAside: prepared.setAside.length };
}

const unannounced: WriteTurn = (write) => write();

export interface AssembleOptions {
  config: FhirMappingConfig;
  now: Date;
  /** Patients (or families, or orphan resources) per page. Default 500. */
  pageRows?: number;
  /** The cursor saved with every page but the last (where a stopped load starts again). */
  cursorBefore: string;
  /** The cursor saved with the last page. */
  cursorAfter: string;
  /** Every staged patient already has its family (placeFamilies ran on its own, in short transactions): the pages only read them. */
  familiesPlaced?: boolean;
  /**
   * 'rows': the families and the patients with theirs (they read only the staging, so another
   * connection may assemble them while this one applies: fhir/assembleReader.ts); 'orphans': the rest,
   * which reads the mirror's links as the pages before left them. Both by default.
   */
  phases?: 'rows' | 'orphans';
  /**
   * Where the writes made while assembling go instead of the database (a read-only connection): the
   * caller writes them before applying the page it got with them (writeAssemblySides).
   */
  sides?: AssemblySides;
  /**
   * Wraps the writes made while assembling (the inferred links, records set aside): a worker announces
   * them to the desk (db/deskTurn.ts). Without it they land in the caller's transaction, if any.
   */
  turn?: WriteTurn;
}

/** The writes of assembling pages, collected: records set aside (kind, id, why) and links whose fields were (or are no longer) inferred. */
export interface AssemblySides {
  setAside: [string, string, string][];
  flagged: LinkInference[];
  cleared: { patientId: string; contactId: string }[];
}

export const noSides = (): AssemblySides => ({ setAside: [], flagged: [], cleared: [] });

/** Collected assembly writes (AssemblySides) written, as assembling in place writes them; inside the caller's transaction. */
export function writeAssemblySides(sqlite: BetterSqlite3.Database, runId: string, seenAt: string, sides: AssemblySides): void {
  const q = statements(sqlite);
  const problems = setAsideStatement(sqlite);
  for (const [kind, id, problem] of sides.setAside) problems.run(kind, id, problem, problemCursor(runId), seenAt);
  for (const i of sides.flagged) q.inferred.run(i.patientId, i.contactId, i.authority ? 1 : 0, i.sort ? 1 : 0, i.residesWith ? 1 : 0, seenAt);
  for (const l of sides.cleared) q.notInferred.run(l.patientId, l.contactId);
}

type Page = Omit<ChangesPage, 'cursor' | 'hasMore' | 'remaining'>;
const emptyPage = (): Page => ({ families: [], patients: [], contacts: [], patientContacts: [], appointments: [], tombstones: [], pins: [], guardians: [] });
const sizeOf = (p: Page) => p.families.length + p.patients.length + p.contacts.length + p.patientContacts.length + p.appointments.length + p.tombstones.length;

export function* assemblePages(sqlite: BetterSqlite3.Database, runId: string, options: AssembleOptions): Generator<ChangesPage> {
  // A reading connection (the second worker's) attaches a staging file the writing one indexed (ingestOps prepare).
  if (sqlite.readonly) attachStaging(sqlite, { readonly: true });
  else indexStaging(sqlite);
  const total = (sqlite.prepare('SELECT count(*) FROM fhir_staging WHERE run_id = ?').pluck().get(runId) as number) ?? 0;
  let emitted = 0;
  let pending: Page | null = null;
  for (const page of rawPages(sqlite, runId, options)) {
    if (pending) {
      emitted += sizeOf(pending);
      yield { cursor: options.cursorBefore, hasMore: true, remaining: Math.max(0, total - emitted), ...pending };
    }
    pending = page;
  }
  yield { cursor: options.cursorAfter, hasMore: false, remaining: 0, ...(pending ?? emptyPage()) };
}

/**
 * The pages of a FHIR load once its families are placed (fhir/ingestOps.ts applyNext, and
 * fhir/assembleReader.ts on the second session's connection). They leave the sync protocol's cursor
 * where it was, so a switch back to that protocol resumes there.
 */
export function placedLoadPages(
  sqlite: BetterSqlite3.Database,
  runId: string,
  options: Omit<AssembleOptions, 'cursorBefore' | 'cursorAfter' | 'familiesPlaced' | 'now'> & { now: string },
): Generator<ChangesPage> {
  const cursor = (sqlite.prepare('SELECT value FROM sync_state WHERE key = ?').pluck().get(PULL_CURSOR_KEY) as string | undefined) ?? '';
  return assemblePages(sqlite, runId, { ...options, now: new Date(options.now), cursorBefore: cursor, cursorAfter: cursor, familiesPlaced: true });
}

function* rawPages(sqlite: BetterSqlite3.Database, runId: string, options: AssembleOptions): Generator<Page> {
  const ctx: MappingContext = { config: options.config, now: options.now.toISOString() };
  const pageRows = Math.max(1, options.pageRows ?? 500);
  const seenAt = ctx.now;
  if (!options.familiesPlaced) placeFamilies(sqlite, runId, ctx);
  const q = statements(sqlite);
  const rows = options.phases !== 'orphans';

  // 1. Families: the household Groups, then the derived ones.
  let page = emptyPage();
  for (const [, body] of rows ? inChunks<[number, string]>(q.groups, [runId]) : []) {
    const household = mapHousehold(JSON.parse(body) as StagedGroup, ctx);
    if (!household) continue;
    page.families.push(household.family);
    if (page.families.length >= pageRows) {
      yield page;
      page = emptyPage();
    }
  }
  for (const [familyId, name] of (rows ? q.derivedFamilies.all(runId) : []) as [string, string][]) {
    page.families.push({ id: familyId, name, version: 1, updatedAt: ctx.now });
    if (page.families.length >= pageRows) {
      yield page;
      page = emptyPage();
    }
  }
  if (page.families.length > 0) yield page;

  // 2. Patients with their contacts, links and appointments.
  const problems = setAsideStatement(sqlite);
  const turn = options.turn ?? unannounced;
  const { sides } = options;
  const setAside = (kind: string, id: string, problem: string) =>
    sides ? sides.setAside.push([kind, id, problem]) : turn(() => problems.run(kind, id, problem, problemCursor(runId), seenAt));
  // Written in one transaction per page (flush), not one per link.
  const anyInferredBefore = q.anyInference.get() !== undefined;
  let toFlag: LinkInference[] = [];
  let toClear: { patientId: string; contactId: string }[] = [];
  const inferences = (list: LinkInference[], links: { patientId: string; contactId: string }[]) => {
    toFlag.push(...list);
    if (!anyInferredBefore) return;
    const flagged = new Set(list.map((i) => `${i.patientId}\u0000${i.contactId}`));
    for (const l of links) if (!flagged.has(`${l.patientId}\u0000${l.contactId}`)) toClear.push(l);
  };
  const flushAll = sqlite.transaction(() => {
    for (const i of toFlag) q.inferred.run(i.patientId, i.contactId, i.authority ? 1 : 0, i.sort ? 1 : 0, i.residesWith ? 1 : 0, seenAt);
    for (const l of toClear) q.notInferred.run(l.patientId, l.contactId);
    toFlag = [];
    toClear = [];
  });
  const flush = () => {
    if (sides) {
      sides.flagged.push(...toFlag);
      sides.cleared.push(...toClear);
      toFlag = [];
      toClear = [];
    } else if (toFlag.length > 0 || toClear.length > 0) turn(() => flushAll.immediate());
  };
  const contactsOfPage = new Set<string>();
  /**
   * The contact from the person's most recently updated RelatedPerson of this run (`rp`, mapped to
   * `contact`, when that is the one: most people have a single RelatedPerson, read once).
   */
  const personOf = (rp: StagedRelatedPerson, contact: ContactRecord): ContactRecord | null => {
    const latest = q.latestOfContact.get(runId, contact.id) as { rowid: number; resource_id: string } | undefined;
    if (latest === undefined) return null;
    if (latest.resource_id === rp.id) return contact;
    const outcome = mapRelatedPerson(JSON.parse(q.bodyAt.get(latest.rowid) as string) as StagedRelatedPerson, ctx);
    return outcome.kind === 'contact' ? outcome.contact : null;
  };
  const addContact = (p: Page, contact: ContactRecord | null) => {
    if (contact === null || contactsOfPage.has(contact.id)) return;
    contactsOfPage.add(contact.id);
    p.contacts.push(contact);
  };
  /** A RelatedPerson's contact on the page: its person's latest one, looked up only when the page does not have it yet. */
  const addPerson = (p: Page, rp: StagedRelatedPerson, contact: ContactRecord) => {
    if (!contactsOfPage.has(contact.id)) addContact(p, personOf(rp, contact) ?? contact);
  };
  const addAppointments = (p: Page, patientId: string) => {
    for (const body of q.ofPatient.all(runId, patientId, 'Appointment') as string[]) {
      const outcome = mapAppointment(JSON.parse(body) as StagedAppointment, ctx);
      if (outcome.kind === 'appointment') p.appointments.push(outcome.record);
      else if (outcome.kind === 'removed') p.tombstones.push(outcome.tombstone);
      else setAside('appointment', (JSON.parse(body) as StagedAppointment).id, outcome.problem);
    }
  };

  page = emptyPage();
  let patientsInPage = 0;
  for (const [, body, familyId] of rows ? inChunks<[number, string, string | null]>(q.patients, [runId]) : []) {
    const patient = JSON.parse(body) as StagedPatient;
    const outcome = mapPatient(patient, familyId, ctx);
    if (outcome.kind === 'merged') {
      page.tombstones.push(outcome.tombstone);
    } else {
      page.patients.push(outcome.record);
      const drafts: LinkDraft[] = [];
      for (const c of mapPatientContacts(patient, ctx)) {
        if (c.kind !== 'contact') continue;
        addContact(page, c.contact);
        drafts.push(c.link);
      }
      for (const rpBody of q.ofPatient.all(runId, patient.id, 'RelatedPerson') as string[]) {
        const rp = JSON.parse(rpBody) as StagedRelatedPerson;
        const c = mapRelatedPerson(rp, ctx);
        if (c.kind === 'removed') page.tombstones.push(c.tombstone);
        else if (c.kind === 'unusable') setAside('contact', rp.id, c.problem);
        else {
          addPerson(page, rp, c.contact);
          drafts.push(c.link);
        }
      }
      const settled = settleLinks(drafts, outcome.addressKey);
      page.patientContacts.push(...settled.links);
      inferences(settled.inferred, settled.links);
      addAppointments(page, patient.id);
    }
    patientsInPage += 1;
    if (patientsInPage >= pageRows) {
      flush();
      yield page;
      page = emptyPage();
      contactsOfPage.clear();
      patientsInPage = 0;
    }
  }
  flush();
  if (patientsInPage > 0) yield page;

  // 3. RelatedPersons and Appointments of patients not in this run (an increment): what the
  //    EHR did not say of a link comes from the mirror's link, else it is inferred.
  page = emptyPage();
  contactsOfPage.clear();
  let inPage = 0;
  const orphans = function* () {
    if (options.phases === 'rows') return;
    // One type at a time: each chunk is then a range of the (run, type) index.
    yield* inChunks<[number, StagedType, string]>(q.orphans, [runId, 'RelatedPerson']);
    yield* inChunks<[number, StagedType, string]>(q.orphans, [runId, 'Appointment']);
  };
  for (const [, type, body] of orphans()) {
    if (type === 'Appointment') {
      const outcome = mapAppointment(JSON.parse(body) as StagedAppointment, ctx);
      if (outcome.kind === 'appointment') page.appointments.push(outcome.record);
      else if (outcome.kind === 'removed') page.tombstones.push(outcome.tombstone);
      else setAside('appointment', (JSON.parse(body) as StagedAppointment).id, outcome.problem);
    } else {
      const rp = JSON.parse(body) as StagedRelatedPerson;
      const c = mapRelatedPerson(rp, ctx);
      if (c.kind === 'removed') page.tombstones.push(c.tombstone);
      else if (c.kind === 'unusable') setAside('contact', rp.id, c.problem);
      else {
        addPerson(page, rp, c.contact);
        const draft = fromMirror(q, c.link);
        const settled = settleLinks([draft], null);
        page.patientContacts.push(...settled.links);
        // The mirror's Authority was itself inferred (and not confirmed since): it stays to confirm.
        if (c.link.authority === undefined && anyInferredBefore && q.authorityInferred.get(draft.patientId, draft.contactId) === 1) {
          const own = settled.inferred[0];
          settled.inferred = [
            own ? { ...own, authority: true } : { patientId: draft.patientId, contactId: draft.contactId, authority: true, sort: false, residesWith: false },
          ];
        }
        inferences(settled.inferred, settled.links);
      }
    }
    inPage += 1;
    if (inPage >= pageRows) {
      flush();
      yield page;
      page = emptyPage();
      contactsOfPage.clear();
      inPage = 0;
    }
  }
  flush();
  if (inPage > 0) yield page;
}

/** A link of a patient not in this run: each field the EHR did not say is the mirror's, where it has the link. */
function fromMirror(q: ReturnType<typeof statements>, draft: LinkDraft): LinkDraft {
  const row = q.mirrorLink.get(draft.patientId, draft.contactId) as { sort: number | null; authority: string | null; resides_with: number } | undefined;
  if (row === undefined) {
    if (draft.sort !== undefined) return draft;
    const last = q.lastSort.get(draft.patientId) as number | null | undefined;
    return typeof last === 'number' ? { ...draft, sort: last + 1 } : draft;
  }
  return {
    ...draft,
    sort: draft.sort === undefined ? row.sort : draft.sort,
    authority: draft.authority === undefined ? (row.authority as LinkDraft['authority']) : draft.authority,
    residesWith: draft.residesWith ?? row.resides_with === 1,
  };
}

function statements(sqlite: BetterSqlite3.Database) {
  const s = (sql: string) => sqlite.prepare(sql);
  return {
    groups: s(`SELECT rowid, body FROM fhir_staging WHERE run_id = ? AND resource_type = 'Group' AND rowid > ? ORDER BY rowid LIMIT ?`),
    derivedFamilies: s(
      `SELECT family_id, max(family_name) FROM fhir_staging_family WHERE run_id = ? AND source = 'derived' GROUP BY family_id ORDER BY family_id`,
    ).raw(),
    // With each patient's family (placeFamilies): one read instead of a lookup per patient.
    patients: s(
      `SELECT s.rowid, s.body, f.family_id FROM fhir_staging s
         LEFT JOIN fhir_staging_family f ON f.run_id = s.run_id AND f.patient_id = s.resource_id
        WHERE s.run_id = ? AND s.resource_type = 'Patient' AND s.rowid > ? ORDER BY s.rowid LIMIT ?`,
    ),
    // INDEXED BY: without statistics SQLite would pick the (run, type, id) index and read a whole type per patient.
    ofPatient: s(
      'SELECT body FROM fhir_staging INDEXED BY fhir_staging_patient WHERE run_id = ? AND patient_id = ? AND resource_type = ? ORDER BY resource_id',
    ).pluck(),
    latestOfContact: s(
      `SELECT rowid, resource_id FROM fhir_staging WHERE run_id = ? AND contact_id = ? AND resource_type = 'RelatedPerson'
        ORDER BY last_updated DESC, resource_id LIMIT 1`,
    ),
    bodyAt: s('SELECT body FROM fhir_staging WHERE rowid = ?').pluck(),
    orphans: s(
      `SELECT s.rowid, s.resource_type, s.body FROM fhir_staging s
        WHERE s.run_id = ? AND s.resource_type = ?
          AND NOT EXISTS (SELECT 1 FROM fhir_staging p WHERE p.run_id = s.run_id AND p.resource_type = 'Patient' AND p.resource_id = s.patient_id)
          AND s.rowid > ? ORDER BY s.rowid LIMIT ?`,
    ),
    mirrorLink: s('SELECT sort, authority, resides_with FROM patient_contacts WHERE patient_id = ? AND contact_id = ?'),
    lastSort: s('SELECT max(sort) FROM patient_contacts WHERE patient_id = ?').pluck(),
    inferred: s(
      `INSERT INTO fhir_link_inferences (patient_id, contact_id, authority, sort, resides_with, seen_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (patient_id, contact_id) DO UPDATE SET authority = excluded.authority, sort = excluded.sort,
         resides_with = excluded.resides_with, seen_at = excluded.seen_at`,
    ),
    anyInference: s('SELECT 1 FROM fhir_link_inferences LIMIT 1').pluck(),
    notInferred: s('DELETE FROM fhir_link_inferences WHERE patient_id = ? AND contact_id = ?'),
    authorityInferred: s('SELECT authority FROM fhir_link_inferences WHERE patient_id = ? AND contact_id = ?').pluck(),
  };
}

/** Patients with a link whose Authority was inferred from the relationship: the worklist asks to confirm them. */
export function patientsWithInferredAuthority(sqlite: BetterSqlite3.Database): string[] {
  return sqlite.prepare('SELECT DISTINCT patient_id FROM fhir_link_inferences WHERE authority = 1 ORDER BY patient_id').pluck().all() as string[];
}
