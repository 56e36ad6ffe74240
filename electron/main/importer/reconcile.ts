import type BetterSqlite3 from 'better-sqlite3';
import type { ImportProblem } from '../../../shared/bulk/api';
import { reindexAllPatients, reindexPatients } from '../search/indexer';
import type { ImportPlan } from './planTypes';

/**
 * Stage 2 of an import: compare every record of the plan with the mirror (inserted, updated,
 * unchanged) and, when writing, upsert what differs. Written as a generator that pauses every
 * few thousand records: a preview drives it a chunk at a time between event-loop turns; an
 * apply drives it straight through inside one transaction.
 *
 * Upsert keys: patients by chart number (an existing patient keeps its id; a new one gets
 * 'imp-' + chart), families by family id, contacts by contact id, links by (patient, contact),
 * appointments by their stable id. A patient whose name correction is still waiting in the
 * outbox keeps the local name, as in a sync pull.
 */

export interface Changes {
  inserted: number;
  updated: number;
  unchanged: number;
}

export interface ReconcileResult {
  changes: Changes;
  /** Records the mirror no longer allows (a chart number removed since the files were checked). */
  problems: ImportProblem[];
  /** Patients whose search terms must be rebuilt (write mode). */
  reindexed: number;
}

export interface ReconcileOptions {
  write: boolean;
  /** ISO instant for updated_at. */
  now: string;
  /** Records per chunk between pauses (default 2,000). */
  chunk?: number;
  /**
   * Above this many touched patients one full rebuild of the search terms replaces per-patient
   * updates (default 2,000). A chunked apply (applyChunks.ts) never rebuilds everything: Infinity.
   */
  fullReindexAbove?: number;
  /**
   * Given (a chunked apply, applyChunks.ts): the search terms of the patients this pass inserts are
   * not written here but handed to it, to be added later in index order (search/termMerge.ts).
   * Patients that were already in the mirror are reindexed here as before, so they stay findable.
   */
  deferNewTerms?: (patientId: string, chart: string) => void;
}

const NAME_CORRECTION_KIND = 'patient.name_correction';
/** Above this many touched patients one full rebuild is faster than per-patient updates. */
const FULL_REINDEX_ABOVE = 2_000;

type Outcome = 'inserted' | 'updated' | 'unchanged';

function statements(sqlite: BetterSqlite3.Database) {
  // Synchronous better-sqlite3: statements prepared once and run per row of a 200,000-patient import, in the worker thread too.
  const s = (sql: string) => sqlite.prepare(sql);
  return {
    pendingCorrections: s(
      `SELECT DISTINCT ref FROM outbox WHERE kind = '${NAME_CORRECTION_KIND}' AND status IN ('pending', 'needs_attention') AND ref IS NOT NULL`,
    ).pluck(),
    family: s('SELECT name FROM families WHERE id = ?'),
    insertFamily: s('INSERT INTO families (id, name, version, updated_at) VALUES (?, ?, 1, ?)'),
    updateFamily: s('UPDATE families SET name = ?, version = version + 1, updated_at = ? WHERE id = ?'),
    patientByChart: s('SELECT id, family_id, first_name, last_name, date_of_birth, sex, status FROM patients WHERE chart_number = ?'),
    patientIdTaken: s('SELECT 1 FROM patients WHERE id = ?').pluck(),
    insertPatient: s(
      `INSERT INTO patients (id, chart_number, family_id, first_name, last_name, date_of_birth, sex, status, portal_linked, version, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, 1, ?)`,
    ),
    updatePatient: s(
      `UPDATE patients SET family_id = ?, first_name = ?, last_name = ?, date_of_birth = ?, sex = ?, status = ?,
         version = version + 1, updated_at = ? WHERE id = ?`,
    ),
    contact: s('SELECT first_name, last_name, email, mobile_phone, home_phone, preferred_reminder, language FROM contacts WHERE id = ?'),
    insertContact: s(
      `INSERT INTO contacts (id, first_name, last_name, email, mobile_phone, home_phone, preferred_reminder, language, has_portal_account, version, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, 1, ?)`,
    ),
    updateContact: s(
      `UPDATE contacts SET first_name = ?, last_name = ?, email = ?, mobile_phone = ?, home_phone = ?, preferred_reminder = ?, language = ?,
         version = version + 1, updated_at = ? WHERE id = ?`,
    ),
    patientsOfContact: s('SELECT patient_id FROM patient_contacts WHERE contact_id = ?').pluck(),
    link: s('SELECT sort, relationship, authority, resides_with, portal_flag FROM patient_contacts WHERE patient_id = ? AND contact_id = ?'),
    upsertLink: s(
      `INSERT INTO patient_contacts (patient_id, contact_id, sort, relationship, authority, resides_with, portal_flag) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (patient_id, contact_id) DO UPDATE SET sort = excluded.sort, relationship = excluded.relationship,
         authority = excluded.authority, resides_with = excluded.resides_with, portal_flag = excluded.portal_flag`,
    ),
    appointment: s('SELECT patient_id, starts_at, provider, reason FROM appointments WHERE id = ?'),
    upsertAppointment: s(
      `INSERT INTO appointments (id, patient_id, starts_at, provider, reason, updated_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET patient_id = excluded.patient_id, starts_at = excluded.starts_at,
         provider = excluded.provider, reason = excluded.reason, updated_at = excluded.updated_at`,
    ),
  };
}

type PatientRow = {
  id: string;
  family_id: string | null;
  first_name: string;
  last_name: string;
  date_of_birth: string | null;
  sex: 'F' | 'M' | 'X' | null;
  status: string;
};
type ContactRow = {
  first_name: string;
  last_name: string;
  email: string | null;
  mobile_phone: string | null;
  home_phone: string | null;
  preferred_reminder: string | null;
  language: string;
};
type LinkRow = { sort: number | null; relationship: string; authority: string | null; resides_with: number; portal_flag: number };
type AppointmentRow = { patient_id: string; starts_at: string; provider: string; reason: string };

/** Per connection: an import's transaction reconciles its units a few at a time (applyChunks.ts), each call without preparing again. */
const statementCache = new WeakMap<BetterSqlite3.Database, ReturnType<typeof statements>>();

const flag = (value: boolean): 0 | 1 => (value ? 1 : 0);
const keep = <T>(value: T | undefined, stored: T): T => (value === undefined ? stored : value);

/** The id an import gives a new patient: from its chart number, numbered past any id `taken`. */
export function newPatientId(chart: string, taken: (id: string) => boolean): string {
  let id = `imp-${chart}`;
  for (let n = 2; taken(id); n++) id = `imp-${chart}-${n}`;
  return id;
}

export function* reconcile(sqlite: BetterSqlite3.Database, plan: ImportPlan, options: ReconcileOptions): Generator<void, ReconcileResult> {
  const q = statementCache.get(sqlite) ?? statementCache.set(sqlite, statements(sqlite)).get(sqlite)!;
  const { write, now } = options;
  const chunk = options.chunk ?? 2_000;
  const changes: Changes = { inserted: 0, updated: 0, unchanged: 0 };
  const count = (outcome: Outcome) => (changes[outcome] += 1);
  const problems: ImportProblem[] = [];
  const touched = new Set<string>();
  const changedContacts: string[] = [];
  const corrections = new Set(q.pendingCorrections.all() as string[]);
  let done = 0;
  const tick = () => ++done % chunk === 0;

  // ---- families ------------------------------------------------------------------------------
  for (const f of plan.families.values()) {
    const stored = q.family.get(f.id) as { name: string } | undefined;
    const name = f.name ?? stored?.name ?? f.derivedName;
    const outcome: Outcome = !stored ? 'inserted' : stored.name !== name ? 'updated' : 'unchanged';
    count(outcome);
    if (write && outcome === 'inserted') q.insertFamily.run(f.id, name, now);
    else if (write && outcome === 'updated') q.updateFamily.run(name, now, f.id);
    if (tick()) yield;
  }

  // ---- patients ------------------------------------------------------------------------------
  const idOfChart = new Map<string, string>();
  const newIds = new Set<string>();
  for (const p of plan.patients) {
    const stored = q.patientByChart.get(p.chart) as PatientRow | undefined;
    if (!stored) {
      const id = newPatientId(p.chart, (candidate) => newIds.has(candidate) || q.patientIdTaken.get(candidate) !== undefined);
      newIds.add(id);
      idOfChart.set(p.chart, id);
      count('inserted');
      if (write) {
        q.insertPatient.run(id, p.chart, p.familyId ?? null, p.firstName, p.lastName, p.dateOfBirth, p.sex ?? null, p.status, now);
        touched.add(id);
      }
    } else {
      idOfChart.set(p.chart, stored.id);
      const keepName = corrections.has(stored.id);
      const next = {
        family_id: keep(p.familyId, stored.family_id),
        first_name: keepName ? stored.first_name : p.firstName,
        last_name: keepName ? stored.last_name : p.lastName,
        date_of_birth: p.dateOfBirth,
        sex: keep(p.sex, stored.sex),
        status: p.status,
      };
      const same =
        next.family_id === stored.family_id &&
        next.first_name === stored.first_name &&
        next.last_name === stored.last_name &&
        next.date_of_birth === stored.date_of_birth &&
        next.sex === stored.sex &&
        next.status === stored.status;
      count(same ? 'unchanged' : 'updated');
      if (write && !same) {
        q.updatePatient.run(next.family_id, next.first_name, next.last_name, next.date_of_birth, next.sex, next.status, now, stored.id);
        touched.add(stored.id);
      }
    }
    if (tick()) yield;
  }
  const patientId = (chart: string, source: { file: string; line: number }): string | null => {
    let id = idOfChart.get(chart);
    if (id === undefined) {
      id = (q.patientByChart.get(chart) as PatientRow | undefined)?.id;
      if (id === undefined) {
        // A patient row of the files that had problems itself (already reported): nothing to compare.
        if (plan.chartsInFiles.has(chart)) return null;
        problems.push({
          file: source.file,
          line: source.line,
          column: null,
          message: `Chart number '${chart}' is no longer in this workstation's data (it changed while the files were checked). Check the files again.`,
        });
        return null;
      }
      idOfChart.set(chart, id);
    }
    return id;
  };

  // ---- contacts ------------------------------------------------------------------------------
  for (const c of plan.contacts.values()) {
    const stored = q.contact.get(c.id) as ContactRow | undefined;
    const next = {
      first_name: keep(c.firstName, stored?.first_name ?? ''),
      last_name: keep(c.lastName, stored?.last_name ?? ''),
      email: keep(c.email, stored?.email ?? null),
      mobile_phone: keep(c.mobilePhone, stored?.mobile_phone ?? null),
      home_phone: keep(c.homePhone, stored?.home_phone ?? null),
      preferred_reminder: keep(c.preferredReminder, (stored?.preferred_reminder ?? null) as typeof c.preferredReminder) ?? null,
      language: keep(c.language, stored?.language ?? 'en'),
    };
    let outcome: Outcome;
    if (!stored) outcome = 'inserted';
    else {
      const same =
        next.first_name === stored.first_name &&
        next.last_name === stored.last_name &&
        next.email === stored.email &&
        next.mobile_phone === stored.mobile_phone &&
        next.home_phone === stored.home_phone &&
        next.preferred_reminder === stored.preferred_reminder &&
        next.language === stored.language;
      outcome = same ? 'unchanged' : 'updated';
    }
    count(outcome);
    const values = [next.first_name, next.last_name, next.email, next.mobile_phone, next.home_phone, next.preferred_reminder, next.language] as const;
    if (write && outcome === 'inserted') q.insertContact.run(c.id, ...values, now);
    else if (write && outcome === 'updated') {
      q.updateContact.run(...values, now, c.id);
      changedContacts.push(c.id);
    }
    if (tick()) yield;
  }

  // ---- links ---------------------------------------------------------------------------------
  for (const l of plan.links.values()) {
    const pid = patientId(l.chart, l);
    if (pid === null) continue;
    // A patient this pass inserts has no link yet (the links' foreign key): nothing to look up (348,181 look-ups at 200,000 patients).
    const stored = newIds.has(pid) ? undefined : (q.link.get(pid, l.contactId) as LinkRow | undefined);
    const next = {
      sort: l.sort,
      relationship: keep(l.relationship, stored?.relationship ?? ''),
      authority: keep(l.authority, (stored?.authority ?? null) as typeof l.authority) ?? null,
      resides_with: l.residesWith === undefined ? (stored?.resides_with ?? 0) : flag(l.residesWith),
      portal_flag: l.portalFlag === undefined ? (stored?.portal_flag ?? 0) : flag(l.portalFlag),
    };
    let outcome: Outcome;
    if (!stored) outcome = 'inserted';
    else {
      const same =
        next.sort === stored.sort &&
        next.relationship === stored.relationship &&
        next.authority === stored.authority &&
        next.resides_with === stored.resides_with &&
        next.portal_flag === stored.portal_flag;
      outcome = same ? 'unchanged' : 'updated';
    }
    count(outcome);
    if (write && outcome !== 'unchanged') {
      q.upsertLink.run(pid, l.contactId, next.sort, next.relationship, next.authority, next.resides_with, next.portal_flag);
      touched.add(pid);
    }
    if (tick()) yield;
  }

  // ---- appointments --------------------------------------------------------------------------
  for (const a of plan.appointments.values()) {
    const pid = patientId(a.chart, a);
    if (pid === null) continue;
    const stored = q.appointment.get(a.id) as AppointmentRow | undefined;
    const reason = keep(a.reason, stored?.reason ?? '');
    const outcome: Outcome = !stored
      ? 'inserted'
      : stored.patient_id === pid && stored.starts_at === a.startsAt && stored.provider === a.provider && stored.reason === reason
        ? 'unchanged'
        : 'updated';
    count(outcome);
    if (write && outcome !== 'unchanged') q.upsertAppointment.run(a.id, pid, a.startsAt, a.provider, reason, now);
    if (tick()) yield;
  }

  // ---- search terms --------------------------------------------------------------------------
  let reindexed = 0;
  if (write) {
    // A contact's new name, email or phone is found through every child linked to them.
    for (const id of changedContacts) for (const pid of q.patientsOfContact.all(id) as string[]) touched.add(pid);
    reindexed = touched.size;
    if (options.deferNewTerms) {
      for (const [chart, id] of idOfChart) if (newIds.has(id) && touched.delete(id)) options.deferNewTerms(id, chart);
    }
    if (touched.size > (options.fullReindexAbove ?? FULL_REINDEX_ABOVE)) reindexAllPatients(sqlite);
    else if (touched.size > 0) reindexPatients(sqlite, touched);
  }
  return { changes, problems, reindexed };
}

/** Drives the generator to the end without pausing (inside a transaction). */
export function runToEnd<R>(generator: Generator<void, R>): R {
  for (;;) {
    const step = generator.next();
    if (step.done) return step.value;
  }
}
