import type BetterSqlite3 from 'better-sqlite3';
import type { Selectable } from 'kysely';
import type { ChildView, ContactView, FamilyView } from '../../../shared/api';
import { addDays } from '../../../shared/domain/dates';
import { eligiblePrimaryContact, hasAccessRight, primaryContactLink, type ContactLink } from '../../../shared/domain/contacts';
import { childEnrollment, describeHeldPin, guardianEnrollment, mergePinFacts } from '../../../shared/domain/enrollment';
import { childVerdict } from '../../../shared/domain/verdict';
import { guardianFacts, localPins, reportedPins, reviewDigest } from './enrollmentFacts';
import type { AppContext } from '../context';
import type { ContactsTable, Patient, PatientContact } from '../db/schema';
import { notFound } from '../errors';
import { exclusive } from '../lib/exclusive';
import { practiceTimeZone } from '../../../shared/settings';
import { JSON_IDS, perConnection } from '../lib/perConnection';

/** A patient_contacts row as the contact rules read it. */
export function toLink(row: PatientContact): ContactLink & { patientId: string } {
  return {
    patientId: row.patient_id,
    contactId: row.contact_id,
    sort: row.sort,
    relationship: row.relationship,
    authority: row.authority,
    residesWith: row.resides_with === 1,
    portalFlag: row.portal_flag === 1,
  };
}

function groupBy<T, K>(items: readonly T[], key: (item: T) => K): Map<K, T[]> {
  const map = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = map.get(k);
    if (list) list.push(item);
    else map.set(k, [item]);
  }
  return map;
}

/** The family load's statements, prepared once per connection (lists of ids are passed as JSON arrays). */
type FamilyStatement = 'family' | 'own' | 'links' | 'sortOneOf' | 'patients' | 'contacts' | 'familyNames' | 'checkingIn';
const statementsFor = perConnection(
  (sqlite): Record<FamilyStatement, BetterSqlite3.Statement> => ({
    family: sqlite.prepare('SELECT id, name FROM families WHERE id = ?'),
    own: sqlite.prepare('SELECT * FROM patients WHERE family_id = ?'),
    links: sqlite.prepare(`SELECT * FROM patient_contacts WHERE patient_id IN (${JSON_IDS})`),
    sortOneOf: sqlite.prepare(`SELECT DISTINCT patient_id FROM patient_contacts WHERE contact_id IN (${JSON_IDS}) AND sort = 1`).pluck(),
    patients: sqlite.prepare(`SELECT * FROM patients WHERE id IN (${JSON_IDS})`),
    contacts: sqlite.prepare(`SELECT * FROM contacts WHERE id IN (${JSON_IDS})`),
    familyNames: sqlite.prepare(`SELECT id, name FROM families WHERE id IN (${JSON_IDS})`),
    checkingIn: sqlite.prepare(`SELECT patient_id FROM appointments WHERE patient_id IN (${JSON_IDS}) AND starts_at >= ? AND starts_at < ?`).pluck(),
  }),
);

/**
 * Every row the family page rests on, read in one synchronous pass: the family's children, the
 * children of other families whose eligible Primary Contact is one of its guardians (blended
 * families), their links and contacts, the enrollment facts, today's appointments and the review
 * digest. The caller holds Kysely's connection lock, so the pass is consistent.
 */
function readFamily(sqlite: BetterSqlite3.Database, familyId: string, at: { nowIso: string; today: string; workstation: string }) {
  const s = statementsFor(sqlite);
  const family = s.family.get(familyId) as { id: string; name: string } | undefined;
  if (!family) return null;
  const linksFor = (patientIds: readonly string[]) =>
    patientIds.length === 0 ? [] : (s.links.all(JSON.stringify(patientIds)) as PatientContact[]).map(toLink);

  const own = s.own.all(familyId) as Patient[];
  const ownLinks = linksFor(own.map((p) => p.id));
  const ownLinksByPatient = groupBy(ownLinks, (l) => l.patientId);
  const guardianIds = new Set<string>();
  for (const p of own) {
    const primary = eligiblePrimaryContact(ownLinksByPatient.get(p.id) ?? []);
    if (primary) guardianIds.add(primary.contactId);
  }

  // Children elsewhere whose Sort-1 contact is one of these guardians with access rights.
  let linked: Patient[] = [];
  let linkedLinks: ReturnType<typeof toLink>[] = [];
  if (guardianIds.size > 0) {
    const ownIds = new Set(own.map((p) => p.id));
    const candidateIds = (s.sortOneOf.all(JSON.stringify([...guardianIds])) as string[]).filter((id) => !ownIds.has(id));
    if (candidateIds.length > 0) {
      linkedLinks = linksFor(candidateIds);
      const byPatient = groupBy(linkedLinks, (l) => l.patientId);
      const keep = candidateIds.filter((id) => {
        const primary = eligiblePrimaryContact(byPatient.get(id) ?? []);
        return primary !== null && guardianIds.has(primary.contactId);
      });
      linked = keep.length ? (s.patients.all(JSON.stringify(keep)) as Patient[]) : [];
      const kept = new Set(keep);
      linkedLinks = linkedLinks.filter((l) => kept.has(l.patientId));
    }
  }

  const patients = [...own, ...linked];
  const links = [...ownLinks, ...linkedLinks];
  const contactIds = [...new Set(links.map((l) => l.contactId))];
  const contacts = contactIds.length ? (s.contacts.all(JSON.stringify(contactIds)) as Selectable<ContactsTable>[]) : [];

  const familyIds = [...new Set(linked.map((p) => p.family_id).filter((id): id is string => id !== null))];
  const familyNames = new Map<string, string>([[family.id, family.name]]);
  if (familyIds.length) {
    for (const f of s.familyNames.all(JSON.stringify(familyIds)) as { id: string; name: string }[]) familyNames.set(f.id, f.name);
  }

  const patientIds = patients.map((p) => p.id);
  const checkingIn = new Set(patientIds.length ? (s.checkingIn.all(JSON.stringify(patientIds), at.today, addDays(at.today, 1)) as string[]) : []);
  return {
    family,
    patients,
    links,
    contacts,
    familyNames,
    checkingIn,
    local: localPins(sqlite, patientIds, at.nowIso, at.workstation),
    reported: reportedPins(sqlite, patientIds, at.workstation),
    guardians: guardianFacts(sqlite, contacts),
    reviewToken: reviewDigest(sqlite, familyId, patientIds, contactIds),
  };
}

/**
 * Everything the review screen shows for a family: its children, plus children of other families
 * whose eligible Primary Contact is one of this family's guardians (blended families), each with
 * its verdict, and every contact with its per-child sort, authority and residence.
 */
export async function loadFamily(ctx: AppContext, familyId: string): Promise<FamilyView> {
  // PINs just issued to this family, on their way from the desk's journal (pins/issueJournal.ts), show.
  await ctx.issueJournal.settled([familyId]);
  const settings = await ctx.settings();
  const today = await ctx.today();
  const timeZone = practiceTimeZone(settings);
  const now = ctx.now();
  const nowIso = now.toISOString();
  // Under Kysely's connection lock: one consistent pass, never inside another call's open transaction.
  const read = await exclusive(ctx.db, () => readFamily(ctx.sqlite, familyId, { nowIso, today, workstation: ctx.workstation }));
  if (!read) throw notFound('That family');
  const { family, patients, links, contacts, familyNames, checkingIn, local, reported, guardians, reviewToken } = read;
  const linksByPatient = groupBy(links, (l) => l.patientId);
  const contactById = new Map(contacts.map((c) => [c.id, c]));

  const children: ChildView[] = patients.map((p) => {
    const childLinks = linksByPatient.get(p.id) ?? [];
    const primary = eligiblePrimaryContact(childLinks);
    const through = p.family_id !== familyId && primary ? contactById.get(primary.contactId) : undefined;
    const pins = local.history.get(p.id) ?? [];
    const state = childEnrollment(mergePinFacts(local.facts.get(p.id) ?? [], reported.get(p.id) ?? []), p.portal_linked === 1, nowIso);
    const enrollment = { ...state, heldPinText: state.heldPin ? describeHeldPin(state.heldPin, now, timeZone) : null };
    const sortOne = primary ? null : primaryContactLink(childLinks);
    const sortOneContact = sortOne ? contactById.get(sortOne.contactId) : undefined;
    return {
      patientId: p.id,
      version: p.version,
      chartNumber: p.chart_number,
      firstName: p.first_name,
      lastName: p.last_name,
      dateOfBirth: p.date_of_birth,
      status: p.status,
      familyId: p.family_id,
      familyName: p.family_id ? (familyNames.get(p.family_id) ?? null) : null,
      linkedThrough: through ? { contactId: through.id, name: `${through.first_name} ${through.last_name}`.trim() } : null,
      eligiblePrimaryContactId: primary?.contactId ?? null,
      checkingInToday: checkingIn.has(p.id),
      pins,
      enrollment,
      verdict: childVerdict(
        {
          firstName: p.first_name,
          lastName: p.last_name,
          dateOfBirth: p.date_of_birth,
          status: p.status,
          // A PIN redeemed on the portal links the child there, whether or not the chart says so yet.
          portalLinked: p.portal_linked === 1 || enrollment.state === 'redeemed',
          hasEligibleGuardian: primary !== null,
          noGuardian: primary
            ? undefined
            : {
                sortOneName: sortOneContact ? `${sortOneContact.first_name} ${sortOneContact.last_name}`.trim() : null,
                otherRecipients: childLinks.filter(hasAccessRight).length,
              },
          heldPin: enrollment.heldPinText,
        },
        { minorAgeLimit: settings.minorAgeLimit, adolescentAge: settings.adolescentAge },
        today,
      ),
    };
  });
  // Own family first, oldest child first: the order a clerk reads a chart.
  children.sort(
    (a, b) =>
      Number(a.linkedThrough !== null) - Number(b.linkedThrough !== null) ||
      (a.dateOfBirth ?? '9999').localeCompare(b.dateOfBirth ?? '9999') ||
      a.firstName.localeCompare(b.firstName),
  );

  const contactViews: ContactView[] = contacts.map((c) => {
    const mine = links.filter((l) => l.contactId === c.id);
    const topLink = [...mine].sort((a, b) => (a.sort ?? 99) - (b.sort ?? 99))[0];
    return {
      contactId: c.id,
      firstName: c.first_name,
      lastName: c.last_name,
      relationship: topLink?.relationship ?? '',
      email: c.email,
      mobilePhone: c.mobile_phone,
      preferredReminder: c.preferred_reminder,
      hasPortalAccount: c.has_portal_account === 1 || Boolean(guardians.get(c.id)?.hasAccount),
      language: c.language || settings.defaultLanguage,
      enrollment: guardianEnrollment(guardians.get(c.id)!, nowIso, settings.pinValidityDays),
      links: mine.map((l) => ({
        patientId: l.patientId,
        sort: l.sort,
        relationship: l.relationship,
        authority: l.authority,
        residesWith: l.residesWith,
        portalFlag: l.portalFlag,
        eligiblePrimary: children.find((ch) => ch.patientId === l.patientId)?.eligiblePrimaryContactId === c.id,
      })),
    };
  });
  const bestSort = (v: ContactView) => Math.min(...v.links.map((l) => l.sort ?? 99));
  contactViews.sort((a, b) => bestSort(a) - bestSort(b) || a.lastName.localeCompare(b.lastName));

  // Under Kysely's connection lock: never inside another call's open transaction.
  return { familyId: family.id, familyName: family.name, children, contacts: contactViews, timeZone, reviewToken };
}
