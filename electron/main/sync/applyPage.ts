import type BetterSqlite3 from 'better-sqlite3';
import type { z } from 'zod';
import { cleanOptionalText, cleanText } from '../../../shared/domain/textHygiene';
import type { OutboxKind } from '../../../shared/outbox/kinds';
import {
  PAGE_RECORDS,
  type AppointmentRecord,
  type ChangesPageEnvelope,
  type ContactRecord,
  type DeskPinRecord,
  type FamilyRecord,
  type GuardianRecord,
  type PageRecordKind,
  type PatientContactRecord,
  type PatientRecord,
  type Tombstone,
} from '../../../shared/sync/protocol';
import { reindexPatients } from '../search/indexer';

/**
 * Applies one page of the practice system's changes to the mirror, in one transaction with the
 * cursor that follows it. Every record is checked on its own: one the desk cannot read (a name of
 * 81 characters, a status it does not know, a link to a patient never sent) is set aside in
 * `sync_problems` with its id, kind and why, and the rest of the page is applied; a later good
 * copy of it clears its problem. A record whose version is lower than the mirror's is ignored.
 * Names and contact fields lose control and bidi-override characters on the way in (issue 11);
 * identifiers and the email address are kept as written (the email rule judges the address).
 */

export const PULL_CURSOR_KEY = 'pull_cursor';
/** Set while pulled rows wait for their search terms; survives a crash so the rebuild resumes. */
export const INDEX_STALE_KEY = 'search_index_stale';
const NAME_CORRECTION_KIND: OutboxKind = 'patient.name_correction';

/** What one page did to the mirror. */
export interface PageCounts {
  /** Records upserted (families, contacts, patients, links, appointments, PINs, guardians). */
  rows: number;
  tombstones: number;
  /** Patients whose local name (and version) was kept because a correction is waiting. */
  keptLocal: number;
  /** Patients whose search terms were rebuilt. */
  reindexed: number;
  /** Records set aside in sync_problems. */
  setAside: number;
  /** Records ignored because the mirror holds a newer version. */
  olderIgnored: number;
  /** Control and bidi-override characters removed from names and contact fields. */
  charactersRemoved: number;
}

export interface ApplyOptions {
  deferIndex?: boolean;
  /** When the page was received (sync_problems.seen_at). */
  now?: Date;
  /** False for a part of a page other than its last (applyOps.ts): the cursor moves with the page's last part. */
  saveCursor?: boolean;
}

/** The kind a set-aside record is listed under: a record array's name in the singular. */
const KIND_NAMES: Record<PageRecordKind, string> = {
  families: 'family',
  contacts: 'contact',
  patients: 'patient',
  patientContacts: 'patientContact',
  appointments: 'appointment',
  tombstones: 'tombstone',
  pins: 'pin',
  guardians: 'guardian',
};

type Statements = ReturnType<typeof prepareStatements>;
const statementCache = new WeakMap<BetterSqlite3.Database, Statements>();

function prepareStatements(sqlite: BetterSqlite3.Database) {
  // Synchronous better-sqlite3: a page applies in one transaction under exclusive(), statements prepared once per connection.
  const s = (sql: string) => sqlite.prepare(sql);
  const patientColumns = `(id, chart_number, family_id, first_name, last_name, date_of_birth, sex, status, portal_linked, version, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
  const otherPatientFields = `chart_number = excluded.chart_number, family_id = excluded.family_id,
       date_of_birth = excluded.date_of_birth, sex = excluded.sex, status = excluded.status,
       portal_linked = excluded.portal_linked, updated_at = excluded.updated_at`;
  return {
    familyVersion: s('SELECT version FROM families WHERE id = ?').pluck(),
    familyExists: s('SELECT 1 FROM families WHERE id = ?').pluck(),
    patientVersion: s('SELECT version FROM patients WHERE id = ?').pluck(),
    contactVersion: s('SELECT version FROM contacts WHERE id = ?').pluck(),
    upsertFamily: s(
      `INSERT INTO families (id, name, version, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET name = excluded.name, version = excluded.version, updated_at = excluded.updated_at`,
    ),
    upsertContact: s(
      `INSERT INTO contacts (id, first_name, last_name, email, mobile_phone, home_phone, preferred_reminder, language, has_portal_account, version, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET first_name = excluded.first_name, last_name = excluded.last_name,
         email = excluded.email, mobile_phone = excluded.mobile_phone, home_phone = excluded.home_phone,
         preferred_reminder = excluded.preferred_reminder, language = excluded.language,
         has_portal_account = excluded.has_portal_account, version = excluded.version, updated_at = excluded.updated_at`,
    ),
    /** The portal reported this guardian's account: the mirror's flag follows, whatever the contact row says. */
    accountReported: s(`SELECT 1 FROM guardian_enrollment WHERE contact_id = ? AND account_at IS NOT NULL`).pluck(),
    upsertPatient: s(
      `INSERT INTO patients ${patientColumns}
       ON CONFLICT (id) DO UPDATE SET first_name = excluded.first_name, last_name = excluded.last_name,
         version = excluded.version, ${otherPatientFields}`,
    ),
    /** Rule 6: a name correction is waiting in the outbox, so the local name and its version stay. */
    upsertPatientKeepingName: s(`INSERT INTO patients ${patientColumns} ON CONFLICT (id) DO UPDATE SET ${otherPatientFields}`),
    chartHolder: s('SELECT id FROM patients WHERE chart_number = ? AND id <> ?').pluck(),
    parkChartNumber: s(`UPDATE patients SET chart_number = chart_number || '~' || id WHERE id = ?`),
    upsertLink: s(
      `INSERT INTO patient_contacts (patient_id, contact_id, sort, relationship, authority, resides_with, portal_flag)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (patient_id, contact_id) DO UPDATE SET sort = excluded.sort, relationship = excluded.relationship,
         authority = excluded.authority, resides_with = excluded.resides_with, portal_flag = excluded.portal_flag`,
    ),
    upsertAppointment: s(
      `INSERT INTO appointments (id, patient_id, starts_at, provider, reason, updated_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET patient_id = excluded.patient_id, starts_at = excluded.starts_at,
         provider = excluded.provider, reason = excluded.reason, updated_at = excluded.updated_at`,
    ),
    /** A PIN's status only moves forward: issued, then redeemed or revoked for good. */
    upsertDeskPin: s(
      `INSERT INTO desk_pins (pin_id, patient_id, issued_at, expires_at, workstation, issued_by, delivery, status, redeemed_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (pin_id) DO UPDATE SET patient_id = excluded.patient_id, issued_at = excluded.issued_at,
         expires_at = excluded.expires_at, workstation = excluded.workstation, issued_by = excluded.issued_by,
         delivery = excluded.delivery,
         status = CASE WHEN desk_pins.status = 'issued' THEN excluded.status ELSE desk_pins.status END,
         redeemed_at = coalesce(desk_pins.redeemed_at, excluded.redeemed_at)`,
    ),
    /** This desk's own PIN, redeemed or revoked as the practice system says. */
    settleLocalPin: s(`UPDATE pins SET status = ?, redeemed_at = coalesce(redeemed_at, ?) WHERE id = ? AND status = 'issued'`),
    /** What the practice system reports is never undone by a report that lacks it. */
    upsertGuardian: s(
      `INSERT INTO guardian_enrollment (contact_id, welcome_at, welcome_workstation, account_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (contact_id) DO UPDATE SET
         welcome_workstation = CASE WHEN excluded.welcome_at IS NOT NULL THEN excluded.welcome_workstation
                                    ELSE guardian_enrollment.welcome_workstation END,
         welcome_at = coalesce(excluded.welcome_at, guardian_enrollment.welcome_at),
         account_at = coalesce(excluded.account_at, guardian_enrollment.account_at)`,
    ),
    markHasAccount: s('UPDATE contacts SET has_portal_account = 1 WHERE id = ? AND has_portal_account = 0'),
    pendingCorrections: s(
      `SELECT DISTINCT ref FROM outbox
        WHERE kind = '${NAME_CORRECTION_KIND}' AND status IN ('pending', 'needs_attention') AND ref IS NOT NULL`,
    ).pluck(),
    patientsOfContact: s('SELECT patient_id FROM patient_contacts WHERE contact_id = ?').pluck(),
    deleteAppointment: s('DELETE FROM appointments WHERE id = ?'),
    deleteLink: s('DELETE FROM patient_contacts WHERE patient_id = ? AND contact_id = ?'),
    contactHasPins: s('SELECT 1 FROM pins WHERE recipient_contact_id = ? LIMIT 1').pluck(),
    deleteLinksOfContact: s('DELETE FROM patient_contacts WHERE contact_id = ?'),
    deleteContact: s('DELETE FROM contacts WHERE id = ?'),
    patientHasPins: s('SELECT 1 FROM pins WHERE patient_id = ? LIMIT 1').pluck(),
    markMerged: s(`UPDATE patients SET status = 'Merged' WHERE id = ?`),
    deletePatient: s('DELETE FROM patients WHERE id = ?'),
    detachFamily: s('UPDATE patients SET family_id = NULL WHERE family_id = ?'),
    deleteFamily: s('DELETE FROM families WHERE id = ?'),
    anyProblem: s('SELECT 1 FROM sync_problems LIMIT 1').pluck(),
    setAside: s(
      `INSERT INTO sync_problems (kind, record_id, problem, cursor, seen_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (kind, record_id) DO UPDATE SET problem = excluded.problem, cursor = excluded.cursor, seen_at = excluded.seen_at`,
    ),
    resolveProblem: s('DELETE FROM sync_problems WHERE kind = ? AND record_id = ?'),
    saveState: s('INSERT INTO sync_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
  };
}

const flag = (value: boolean): 0 | 1 => (value ? 1 : 0);

function sqliteCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : undefined;
}

/** The id a record is listed under, read defensively: the record may be anything. */
function recordIdOf(kind: PageRecordKind, raw: unknown, index: number): string {
  const field = (name: string): string | null => {
    const value = raw !== null && typeof raw === 'object' ? (raw as Record<string, unknown>)[name] : undefined;
    return typeof value === 'string' || typeof value === 'number' ? cleanText(String(value)).text.slice(0, 130) : null;
  };
  const id =
    kind === 'patientContacts'
      ? field('patientId') !== null && field('contactId') !== null
        ? `${field('patientId')}:${field('contactId')}`
        : null
      : kind === 'pins'
        ? field('pinId')
        : kind === 'guardians'
          ? field('contactId')
          : field('id');
  return id && id !== '' ? id : `(no id: record ${index + 1} of its page)`;
}

/** One validation issue in the words an administrator forwards to the vendor ("firstName: longer than 80 characters"). */
function issueWords(issue: z.ZodError['issues'][number]): string {
  const detail = issue as unknown as { origin?: string; maximum?: unknown; minimum?: unknown; expected?: unknown; values?: unknown[] };
  switch (issue.code) {
    case 'too_big':
      return detail.origin === 'string' ? `longer than ${String(detail.maximum)} characters` : `more than ${String(detail.maximum)}`;
    case 'too_small':
      if (detail.origin === 'string') return detail.minimum === 1 ? 'empty' : `shorter than ${String(detail.minimum)} characters`;
      return `less than ${String(detail.minimum)}`;
    case 'invalid_type':
      return `missing or not a ${String(detail.expected)}`;
    case 'invalid_value':
      return `not one of ${(detail.values ?? []).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_format':
      return 'not in the expected format';
    default:
      return issue.message;
  }
}

/** The first few reasons a record failed its schema, for sync_problems (the FHIR source uses it too). */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join('.') || 'record'}: ${issueWords(issue)}`)
    .join('; ')
    .slice(0, 500);
}

/** Counts characters removed by text hygiene over one page. */
class Hygiene {
  removed = 0;
  text(value: string): string {
    const cleaned = cleanText(value);
    this.removed += cleaned.removed;
    return cleaned.text;
  }
  optional(value: string | null): string | null {
    const cleaned = cleanOptionalText(value);
    this.removed += cleaned.removed;
    return cleaned.text;
  }
}

/** Instants from other desks are stored in one form, so the desk can compare them as text. */
const isoOf = (value: string): string => new Date(value).toISOString();
const isoOrNull = (value: string | null): string | null => (value === null ? null : isoOf(value));

/**
 * Applies one page (checked as a whole by changesPageEnvelope, record by record here) and saves
 * its cursor, in one synchronous transaction: nothing can interleave. Order: parents before
 * children, then PINs and guardians, then tombstones, then the search terms of every patient
 * whose own fields or linked contacts changed.
 */
export function applyChangesPage(sqlite: BetterSqlite3.Database, page: ChangesPageEnvelope, options: ApplyOptions = {}): PageCounts {
  let st = statementCache.get(sqlite);
  if (!st) {
    st = prepareStatements(sqlite);
    statementCache.set(sqlite, st);
  }
  const q = st;
  const seenAt = (options.now ?? new Date()).toISOString();
  return sqlite
    .transaction((): PageCounts => {
      const touchedPatients = new Set<string>();
      const touchedContacts = new Set<string>();
      const waitingCorrections = new Set(q.pendingCorrections.all() as string[]);
      const hygiene = new Hygiene();
      const hadProblems = q.anyProblem.get() !== undefined;
      const counts = { rows: 0, keptLocal: 0, setAside: 0, olderIgnored: 0, tombstones: 0 };

      const setAside = (kind: PageRecordKind, recordId: string, problem: string) => {
        q.setAside.run(KIND_NAMES[kind], recordId, problem, page.cursor, seenAt);
        counts.setAside += 1;
      };
      /** The page's records of one kind that pass their schema; the others are set aside. */
      const readable = (kind: PageRecordKind): { id: string; record: unknown }[] => {
        const schema: z.ZodType = PAGE_RECORDS[kind];
        const out: { id: string; record: unknown }[] = [];
        page[kind].forEach((raw, index) => {
          const id = recordIdOf(kind, raw, index);
          const parsed = schema.safeParse(raw);
          if (parsed.success) out.push({ id, record: parsed.data });
          else setAside(kind, id, `cannot be read (${describeIssues(parsed.error)})`);
        });
        return out;
      };
      /** Runs one write; a reference to a record the mirror does not hold sets the record aside. */
      const write = (kind: PageRecordKind, id: string, refersTo: string, run: () => void): boolean => {
        try {
          run();
        } catch (error) {
          if (sqliteCode(error) === 'SQLITE_CONSTRAINT_FOREIGNKEY') {
            setAside(kind, id, `refers to ${refersTo} that the practice system never sent`);
            return false;
          }
          throw error;
        }
        if (hadProblems) q.resolveProblem.run(KIND_NAMES[kind], id);
        counts.rows += 1;
        return true;
      };
      const older = (current: unknown, incoming: number): boolean => {
        if (typeof current === 'number' && incoming < current) {
          counts.olderIgnored += 1;
          return true;
        }
        return false;
      };

      for (const { id, record: f } of readable('families') as { id: string; record: FamilyRecord }[]) {
        if (older(q.familyVersion.get(f.id), f.version)) continue;
        write('families', id, '', () => q.upsertFamily.run(f.id, hygiene.text(f.name), f.version, f.updatedAt));
      }
      for (const { id, record: c } of readable('contacts') as { id: string; record: ContactRecord }[]) {
        if (older(q.contactVersion.get(c.id), c.version)) continue;
        const hasAccount = c.hasPortalAccount || q.accountReported.get(c.id) !== undefined;
        write('contacts', id, '', () =>
          q.upsertContact.run(
            c.id,
            hygiene.text(c.firstName),
            hygiene.text(c.lastName),
            // Kept as written, like the import does: the worklist shows it and says what is wrong
            // with it ("line break in the address"); checkMailbox decides whether it can be used.
            c.email,
            hygiene.optional(c.mobilePhone),
            hygiene.optional(c.homePhone),
            c.preferredReminder,
            hygiene.text(c.language),
            flag(hasAccount),
            c.version,
            c.updatedAt,
          ),
        );
        touchedContacts.add(c.id);
      }
      for (const { id, record: p } of readable('patients') as { id: string; record: PatientRecord }[]) {
        if (older(q.patientVersion.get(p.id), p.version)) continue;
        const keep = waitingCorrections.has(p.id);
        const params = [
          p.id,
          // An identifier, matched again by later pulls and imports: kept as written.
          p.chartNumber,
          p.familyId,
          hygiene.text(p.firstName),
          hygiene.text(p.lastName),
          p.dateOfBirth,
          p.sex,
          p.status,
          flag(p.portalLinked),
          p.version,
          p.updatedAt,
        ];
        const statement = keep ? q.upsertPatientKeepingName : q.upsertPatient;
        // Checked first, so a refused patient never leaves a chart holder parked.
        if (p.familyId !== null && q.familyExists.get(p.familyId) === undefined) {
          setAside('patients', id, `refers to family ${p.familyId} that the practice system never sent`);
          continue;
        }
        let parked: string | undefined;
        const applied = write('patients', id, `family ${p.familyId ?? ''}`.trim(), () => {
          // Upstream owns chart numbers: a local row still holding this one is stale (renumbered
          // or merged upstream). It steps aside until its own change arrives.
          parked = q.chartHolder.get(params[1], p.id) as string | undefined;
          if (parked !== undefined) q.parkChartNumber.run(parked);
          statement.run(...params);
        });
        if (!applied) continue;
        if (parked !== undefined) touchedPatients.add(parked);
        if (keep) counts.keptLocal += 1;
        touchedPatients.add(p.id);
      }
      for (const { id, record: l } of readable('patientContacts') as { id: string; record: PatientContactRecord }[]) {
        const applied = write('patientContacts', id, `patient ${l.patientId} or contact ${l.contactId}`, () =>
          q.upsertLink.run(l.patientId, l.contactId, l.sort, hygiene.text(l.relationship), l.authority, flag(l.residesWith), flag(l.portalFlag)),
        );
        if (applied) touchedPatients.add(l.patientId);
      }
      for (const { id, record: a } of readable('appointments') as { id: string; record: AppointmentRecord }[]) {
        write('appointments', id, `patient ${a.patientId}`, () =>
          q.upsertAppointment.run(a.id, a.patientId, a.startsAt, hygiene.text(a.provider), hygiene.text(a.reason), a.updatedAt),
        );
      }
      for (const { id, record: pin } of readable('pins') as { id: string; record: DeskPinRecord }[]) {
        write('pins', id, '', () => {
          const redeemedAt = isoOrNull(pin.redeemedAt);
          q.upsertDeskPin.run(
            pin.pinId,
            pin.patientId,
            isoOf(pin.issuedAt),
            isoOf(pin.expiresAt),
            hygiene.text(pin.workstation),
            hygiene.text(pin.issuedBy),
            pin.delivery,
            pin.status,
            redeemedAt,
          );
          if (pin.status !== 'issued') q.settleLocalPin.run(pin.status, redeemedAt, pin.pinId);
        });
      }
      for (const { id, record: g } of readable('guardians') as { id: string; record: GuardianRecord }[]) {
        write('guardians', id, '', () => {
          q.upsertGuardian.run(g.contactId, isoOrNull(g.welcomeAt), hygiene.optional(g.welcomeWorkstation), isoOrNull(g.accountAt));
          if (g.accountAt !== null) q.markHasAccount.run(g.contactId);
        });
      }

      // Contacts changed above: every patient linked to them searches by their names and numbers.
      for (const contactId of touchedContacts) {
        for (const patientId of q.patientsOfContact.all(contactId) as string[]) touchedPatients.add(patientId);
      }

      for (const { record: t } of readable('tombstones') as { id: string; record: Tombstone }[]) {
        counts.tombstones += 1;
        applyTombstone(q, t, touchedPatients);
        // A record removed upstream no longer needs an administrator (tombstone kinds are the listed kinds).
        if (hadProblems) q.resolveProblem.run(t.kind, t.id);
      }

      if (options.deferIndex) q.saveState.run(INDEX_STALE_KEY, 'true');
      else reindexPatients(sqlite, touchedPatients);
      if (options.saveCursor !== false) q.saveState.run(PULL_CURSOR_KEY, page.cursor);

      return {
        rows: counts.rows,
        tombstones: counts.tombstones,
        keptLocal: counts.keptLocal,
        reindexed: touchedPatients.size,
        setAside: counts.setAside,
        olderIgnored: counts.olderIgnored,
        charactersRemoved: hygiene.removed,
      };
    })
    .immediate(); // immediate: it reads, then writes; a job's worker may commit in between (issue 14)
}

function applyTombstone(q: Statements, t: Tombstone, touchedPatients: Set<string>): void {
  switch (t.kind) {
    case 'appointment':
      q.deleteAppointment.run(t.id);
      break;
    case 'patientContact': {
      // The id is `${patientId}:${contactId}`; ids may themselves hold a colon, so try each split.
      for (let i = t.id.indexOf(':'); i > 0; i = t.id.indexOf(':', i + 1)) {
        const patientId = t.id.slice(0, i);
        if (q.deleteLink.run(patientId, t.id.slice(i + 1)).changes > 0) touchedPatients.add(patientId);
      }
      break;
    }
    case 'contact': {
      const linked = q.patientsOfContact.all(t.id) as string[];
      for (const patientId of linked) touchedPatients.add(patientId);
      // A PIN sent to this person still names them: keep the person, drop their links.
      if (q.contactHasPins.get(t.id)) q.deleteLinksOfContact.run(t.id);
      else q.deleteContact.run(t.id);
      break;
    }
    case 'patient':
      // A child with PINs keeps its row (the PINs point at it), marked Merged so it gets no more.
      if (q.patientHasPins.get(t.id)) q.markMerged.run(t.id);
      else q.deletePatient.run(t.id); // links, appointments and search terms cascade
      break;
    case 'family':
      q.detachFamily.run(t.id);
      q.deleteFamily.run(t.id);
      break;
  }
}
