import type BetterSqlite3 from 'better-sqlite3';
import type { WorklistRow } from '../../../shared/bulk/api';
import { bulkPrimaryOf } from '../../../shared/domain/bulkEligibility';
import { contactProblems, inferredAuthorityProblem, type ContactProblem } from '../../../shared/domain/contactQuality';
import { fullName } from '../../../shared/domain/names';
import type { PatientStatus, ReminderMethod } from '../../../shared/domain/patient';
import { groupWorklistByGuardian, WorklistGrouping, type WorklistEntry } from '../../../shared/domain/worklistGroups';
import { Pacer, sortByKey } from '../lib/pacing';
import { hasAccessRight } from '../../../shared/domain/contacts';
import { LINK_BITS, LINK_BY_BITS } from './passRows';
import { JUDGED_CLEAN, type PrimaryContacts } from './primaryContacts';
import { linkKey, nameKey, type ContactDetails, type PatientDetails, type Readers } from './rowidReaders';

// The data-quality worklist: for the whole mirror from the snapshot's pass, and for one guardian
// directly after an inline fix, by the same rules.

const NONE: ContactProblem[] = [];

/** By link bits: 1 when the link has access (Authority Joint or Exclusive, or resides with). */
const WITH_ACCESS_BY_BITS = Uint8Array.from(LINK_BY_BITS, (link) => (hasAccessRight(link) ? 1 : 0));

const NO_PRIMARY: ContactProblem = { code: 'no_primary_contact', message: 'No Family Contact with Sort 1: this child is left out of Bulk PIN.' };

/**
 * The same email on Primary Contacts of unrelated families. `uses` are the Active patients whose
 * Primary Contact has `email` (contact rowid, family), in mirror order; a use is flagged when
 * another use has a different contact AND a different family. Linear in the uses (a placeholder
 * address typed for thousands of contacts stays cheap); the other person named is the first such
 * use, so the message does not depend on who asks.
 */
export function sharedEmailFlags<U extends { crow: number; family: string }>(
  email: string,
  uses: readonly U[],
  nameOf: (u: U) => string,
): Map<U, ContactProblem> {
  const flags = new Map<U, ContactProblem>();
  const contactsOfFamily = new Map<string, Set<number>>();
  for (const u of uses) {
    const set = contactsOfFamily.get(u.family);
    if (set) set.add(u.crow);
    else contactsOfFamily.set(u.family, new Set([u.crow]));
  }
  if (contactsOfFamily.size < 2) return flags;
  // families whose only Primary Contact (with this address) is the given contact
  const soleFamilies = new Map<number, number>();
  for (const set of contactsOfFamily.values()) if (set.size === 1) for (const crow of set) soleFamilies.set(crow, (soleFamilies.get(crow) ?? 0) + 1);
  for (const u of uses) {
    const ownSole = contactsOfFamily.get(u.family)!.size === 1 ? 1 : 0;
    const otherFamilies = contactsOfFamily.size - 1 - ((soleFamilies.get(u.crow) ?? 0) - ownSole);
    if (otherFamilies <= 0) continue;
    const other = uses.find((o) => o.crow !== u.crow && o.family !== u.family)!;
    flags.set(u, {
      code: 'shared_email',
      message:
        `Email ${email} is also the Primary Contact email of ${nameOf(other) || '(no name)'} in another family` +
        (otherFamilies > 1 ? ` (${otherFamilies} other families in all)` : '') +
        ': the Bulk PIN email could reach the wrong person.',
    });
  }
  return flags;
}

/**
 * Every Primary Contact of an Active patient with a problem, every Active patient without one,
 * and Primary Contacts sharing an email with another family's. Contact problems are worked out
 * once per contact and link pattern (siblings share them). `primaries`: the Primary Contacts as
 * read and judged before the pass (primaryContacts.ts).
 */
export async function buildWorklist(
  read: Readers,
  primaries: PrimaryContacts,
  patients: number[],
  contacts: number[],
  bits: number[],
  distinctContacts: number[],
): Promise<WorklistRow[]> {
  const pacer = new Pacer();
  const entries = await worklistEntries(read, primaries, patients, contacts, bits, distinctContacts, pacer);
  // By guardian: one row each, fixed once for all their children (issue 12), in the order of each
  // row's first child (patients are sorted by last name, first name: a family's rows stay together).
  const grouping = new WorklistGrouping();
  for (const entry of entries) {
    grouping.add(entry);
    if (pacer.due()) await pacer.pause();
  }
  const rows: WorklistRow[] = [];
  for (const row of grouping.rows()) {
    rows.push(row);
    if (pacer.due()) await pacer.pause();
  }
  return rows;
}

async function worklistEntries(
  read: Readers,
  primaries: PrimaryContacts,
  patients: number[],
  contacts: number[],
  bits: number[],
  distinctContacts: number[],
  pacer: Pacer,
): Promise<WorklistEntry[]> {
  // The Primary Contacts of Active patients were judged with a link that has access (their own
  // problems) before the pass; the details are kept only of those with some. A contact the read
  // did not see (linked since, when the pass runs outside a read transaction) is read and judged
  // now; one that is gone stays unread and its patients are left out (removed since the pass).
  const details = primaries.details;
  const unread = distinctContacts.filter((crow) => primaries.judgedOf(crow) === 0);
  if (unread.length > 0) for (const [crow, c] of await read.contacts(unread, pacer)) primaries.take(crow, c);
  await primaries.done(read, pacer);
  let maxContact = 0;
  for (const crow of distinctContacts) if (crow > maxContact) maxContact = crow;
  const active = new Uint8Array(maxContact + 1);
  const judged = new Uint8Array(maxContact + 1);
  for (const crow of distinctContacts) {
    active[crow] = 1;
    judged[crow] = primaries.judgedOf(crow);
  }
  // A contact linked without access to some child is judged with that link below: its details are needed.
  const noAccess: number[] = [];
  for (let i = 0; i < patients.length; i++) {
    const crow = contacts[i]!;
    if (crow >= 0 && judged[crow] === JUDGED_CLEAN && !hasAccessRight(LINK_BY_BITS[bits[i]!]!)) noAccess.push(crow);
  }
  await readMissing(read, details, noAccess, pacer);
  // The same address on several Active patients' Primary Contacts: each of them is a candidate.
  const candidates = new Map<number, string>();
  for (const [email, crows] of primaries.sharedKeys) {
    const activeOnes = crows.filter((crow) => crow <= maxContact && active[crow] === 1);
    if (activeOnes.length > 1) for (const crow of activeOnes) candidates.set(crow, email);
  }
  const listed = new Map<number, { crow: number; bits: number; problems: ContactProblem[] }>();
  const memo = new Map<number, ContactProblem[]>();
  // Links whose Authority the FHIR load inferred (usually none: then nothing is looked up per patient).
  const inferred = read.inferredAuthorities();
  for (let i = 0; i < patients.length; i++) {
    const crow = contacts[i]!;
    if (crow < 0) {
      listed.set(patients[i]!, { crow, bits: 0, problems: [NO_PRIMARY] });
      continue;
    }
    const j = crow > maxContact ? 0 : judged[crow]!;
    if (j === 0) continue; // removed since the pass
    // Most patients: a contact without problems of its own, linked with access, no inferred Authority.
    if (j === JUDGED_CLEAN && WITH_ACCESS_BY_BITS[bits[i]!] === 1 && inferred.size === 0) continue;
    let problems = NONE;
    const c = details.get(crow);
    if (c) {
      const key = crow * 16 + bits[i]!;
      problems = memo.get(key) ?? NONE;
      if (problems === NONE) {
        problems = contactProblems(c, LINK_BY_BITS[bits[i]!]!);
        memo.set(key, problems);
      }
    }
    const relationship = inferred.size > 0 ? inferred.get(linkKey(patients[i]!, crow)) : undefined;
    const all = relationship === undefined ? problems : [...problems, inferredAuthorityProblem(LINK_BY_BITS[bits[i]!]!.authority, relationship)];
    if (all.length > 0) listed.set(patients[i]!, { crow, bits: bits[i]!, problems: [...all] });
    if (pacer.due()) await pacer.pause();
  }

  // The same email on Primary Contacts of unrelated families: a patient's row is flagged when
  // another Active patient's Primary Contact has the address with a different contact AND a
  // different family. Linear per address: a placeholder typed for thousands stays cheap.
  if (candidates.size > 0) {
    await readMissing(read, details, candidates.keys(), pacer);
    const uses = new Map<string, { prow: number; crow: number; bits: number; family: string }[]>();
    const involved: number[] = [];
    for (let i = 0; i < patients.length; i++) {
      if (candidates.has(contacts[i]!)) involved.push(i);
      if (pacer.due()) await pacer.pause();
    }
    const families = await read.patients(
      involved.map((i) => patients[i]!),
      pacer,
    );
    for (const i of involved) {
      const prow = patients[i]!;
      const crow = contacts[i]!;
      const p = families.get(prow);
      if (!p) continue;
      const email = candidates.get(crow)!;
      const use = { prow, crow, bits: bits[i]!, family: p.familyId ?? `patient:${p.id}` };
      const list = uses.get(email);
      if (list) list.push(use);
      else uses.set(email, [use]);
    }
    for (const [email, list] of uses) {
      for (const [u, problem] of sharedEmailFlags(email, list, (o) => fullName(details.get(o.crow) ?? { firstName: '', lastName: '' }))) {
        const entry = listed.get(u.prow);
        if (entry) entry.problems.push(problem);
        else listed.set(u.prow, { crow: u.crow, bits: u.bits, problems: [problem] });
      }
      if (pacer.due()) await pacer.pause();
    }
  }

  const people = await read.patients([...listed.keys()], pacer);
  await readMissing(
    read,
    details,
    [...listed.values()].map((e) => e.crow),
    pacer,
  );
  const entries: { key: string; out: WorklistEntry }[] = [];
  for (const [prow, entry] of listed) {
    if (pacer.due()) await pacer.pause();
    const p = people.get(prow);
    if (!p) continue;
    const out = toWorklistEntry(p, entry.crow >= 0 ? details.get(entry.crow) : undefined, entry.bits, entry.problems);
    entries.push({ key: nameKey(p.lastName, p.firstName, `${out.patientId}:${out.contactId ?? ''}`), out });
  }
  return (await sortByKey(entries, (r) => r.key, pacer)).map((r) => r.out);
}

/** Adds to `details` the contacts among `crows` it does not hold (contacts judged without problems of their own). */
async function readMissing(read: Readers, details: Map<number, ContactDetails>, crows: Iterable<number>, pacer: Pacer): Promise<void> {
  const missing = new Set<number>();
  for (const crow of crows) if (crow >= 0 && !details.has(crow)) missing.add(crow);
  if (missing.size === 0) return;
  for (const [crow, c] of await read.contacts([...missing], pacer)) details.set(crow, c);
}

function toWorklistEntry(p: PatientDetails, c: ContactDetails | undefined, bits: number, problems: ContactProblem[]): WorklistEntry {
  // Written out in full: an object spread here cost about 10 µs per entry (V8's slow path), 0.3 s per pass.
  const patientName = fullName(p);
  if (!c) {
    return { patientId: p.id, patientName, chartNumber: p.chartNumber, contactId: null, contact: null, authority: null, residesWith: false, problems };
  }
  const link = LINK_BY_BITS[bits]!;
  return {
    patientId: p.id,
    patientName,
    chartNumber: p.chartNumber,
    contactId: c.id,
    contact: { firstName: c.firstName, lastName: c.lastName, email: c.email, mobilePhone: c.mobilePhone, preferredReminder: c.preferredReminder },
    authority: link.authority,
    residesWith: link.residesWith,
    problems,
  };
}

/** An Active patient whose Primary Contact has a given email (for the shared-email check). */
type EmailUse = { prow: number; crow: number; family: string; name: string };

/**
 * A contact's email as this file compares addresses (trim(), toLowerCase()), in SQL: every space
 * JavaScript's trim() removes, ASCII letters folded (SQLite's lower()). Indexed as written by
 * migration 009 (contacts_email_key), which SQLite uses only for this very expression.
 */
export const CONTACT_EMAIL_KEY =
  'lower(trim(email, char(9, 10, 11, 12, 13, 32, 160, 5760, 8192, 8193, 8194, 8195, 8196, 8197, 8198, 8199, 8200, 8201, 8202, 8232, 8233, 8239, 8287, 12288, 65279)))';

function primaryContactUses(sqlite: BetterSqlite3.Database, email: string): EmailUse[] {
  // The contacts with this address, by the contacts_email_key index (a non-ASCII capital letter
  // folds in JavaScript but not in SQLite: such an address is not found, as the LIKE scan before it
  // did not find it either); the exact comparison is the snapshot's, in JavaScript.
  const candidates = sqlite
    .prepare(
      `SELECT p.rowid, coalesce(p.family_id, 'patient:' || p.id), c.rowid, c.email, c.first_name, c.last_name,
              (SELECT count(*) FROM patient_contacts x WHERE x.patient_id = p.id AND x.sort = 1)
         FROM contacts c
        CROSS JOIN patient_contacts pc ON pc.contact_id = c.id AND pc.sort = 1
         JOIN patients p ON p.id = pc.patient_id AND p.status = 'Active'
        WHERE ${CONTACT_EMAIL_KEY.replace('email', 'c.email')} = ?
        ORDER BY p.rowid`,
    )
    .raw(true)
    .all(email) as [number, string, number, string, string, string, number][];
  const primaryOf = sqlite
    .prepare(
      `SELECT ${LINK_BITS}, c.id FROM patient_contacts pc JOIN contacts c ON c.id = pc.contact_id WHERE pc.patient_id = (SELECT id FROM patients WHERE rowid = ?) AND pc.sort = 1`,
    )
    .raw(true);
  const uses: EmailUse[] = [];
  const idOf = sqlite.prepare('SELECT id FROM contacts WHERE rowid = ?').pluck(true);
  for (const [prow, family, crow, raw, first, last, sortOnes] of candidates) {
    if (raw.trim().toLowerCase() !== email) continue;
    if (sortOnes > 1) {
      const links = (primaryOf.all(prow) as [number, string][]).map(([b, id]) => ({ ...LINK_BY_BITS[b]!, contactId: id }));
      if (bulkPrimaryOf(links)?.contactId !== idOf.get(crow)) continue;
    }
    uses.push({ prow, crow, family, name: fullName({ firstName: first, lastName: last }) });
  }
  return uses;
}

/**
 * The worklist row of one patient and contact, worked out directly (an inline fix shows its
 * result at once instead of waiting for the whole mirror): the same rules as the snapshot, null
 * when the patient is not Active, the contact is not their Primary Contact, or nothing is wrong.
 */
export function worklistEntryFor(
  sqlite: BetterSqlite3.Database,
  patientId: string,
  contactId: string,
  sharedEmailMemo?: Map<string, EmailUse[]>,
): WorklistEntry | null {
  type LinkLine = [
    number,
    PatientStatus,
    string,
    string,
    string,
    string,
    string | null,
    string | null,
    number,
    number,
    string,
    string,
    string,
    string | null,
    string | null,
    ReminderMethod | null,
  ];
  const lines = sqlite
    .prepare(
      `SELECT p.rowid, p.status, p.id, p.chart_number, p.first_name, p.last_name, p.date_of_birth, p.family_id, ${LINK_BITS},
              c.rowid, c.id, c.first_name, c.last_name, c.email, c.mobile_phone, c.preferred_reminder
         FROM patients p JOIN patient_contacts pc ON pc.patient_id = p.id AND pc.sort = 1 JOIN contacts c ON c.id = pc.contact_id
        WHERE p.id = ?`,
    )
    .raw(true)
    .all(patientId) as LinkLine[];
  if (lines.length === 0 || lines[0]![1] !== 'Active') return null;
  const chosen = bulkPrimaryOf(lines.map((l) => ({ ...LINK_BY_BITS[l[8]]!, contactId: l[10], line: l })));
  if (!chosen || chosen.contactId !== contactId) return null;
  const l = chosen.line;
  const patient: PatientDetails = { id: l[2], chartNumber: l[3], firstName: l[4], lastName: l[5], dateOfBirth: l[6], familyId: l[7] };
  const contact: ContactDetails = { id: l[10], firstName: l[11], lastName: l[12], email: l[13], mobilePhone: l[14], preferredReminder: l[15] };
  const problems = contactProblems(contact, chosen);
  const relationship = sqlite
    .prepare(
      `SELECT pc.relationship FROM fhir_link_inferences i JOIN patient_contacts pc ON pc.patient_id = i.patient_id AND pc.contact_id = i.contact_id
        WHERE i.patient_id = ? AND i.contact_id = ? AND i.authority = 1`,
    )
    .pluck(true)
    .get(l[2], l[10]) as string | undefined;
  if (relationship !== undefined) problems.push(inferredAuthorityProblem(chosen.authority, relationship));

  const email = contact.email?.trim().toLowerCase();
  if (email) {
    // The address's uses are the same for every child of a guardian: read once per fix.
    let uses = sharedEmailMemo?.get(email);
    if (!uses) {
      uses = primaryContactUses(sqlite, email);
      sharedEmailMemo?.set(email, uses);
    }
    const self = uses.find((u) => u.prow === l[0] && u.crow === l[9]);
    const flag = self ? sharedEmailFlags(email, uses, (u) => u.name).get(self) : undefined;
    if (flag) problems.push(flag);
  }
  return problems.length === 0 ? null : toWorklistEntry(patient, contact, l[8], problems);
}

/**
 * A guardian's worklist row, worked out directly after an inline fix (the same rules as the
 * snapshot, for this contact's Active children only): null when nothing is left to fix for them.
 */
export function worklistRowForGuardian(sqlite: BetterSqlite3.Database, contactId: string): WorklistRow | null {
  const children = sqlite
    .prepare(
      `SELECT p.id, p.last_name, p.first_name FROM patient_contacts pc JOIN patients p ON p.id = pc.patient_id
        WHERE pc.contact_id = ? AND pc.sort = 1 AND p.status = 'Active'`,
    )
    .raw(true)
    .all(contactId) as [string, string, string][];
  // The snapshot's order of children (its key, its comparison).
  const keyed = children.map(([id, last, first]) => ({ id, key: nameKey(last, first, `${id}:${contactId}`) }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const memo = new Map<string, EmailUse[]>();
  const entries = keyed.flatMap(({ id }) => worklistEntryFor(sqlite, id, contactId, memo) ?? []);
  return groupWorklistByGuardian(entries)[0] ?? null;
}
