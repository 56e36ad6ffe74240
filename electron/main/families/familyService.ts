import type { ChildView, ContactView, FamilyView } from '../../../shared/api';
import { addDays } from '../../../shared/domain/dates';
import { eligiblePrimaryContact, hasAccessRight, primaryContactLink, type ContactLink } from '../../../shared/domain/contacts';
import { childEnrollment, describeHeldPin, guardianEnrollment, mergePinFacts } from '../../../shared/domain/enrollment';
import { childVerdict } from '../../../shared/domain/verdict';
import { guardianFacts, localPins, reportedPins, reviewDigest } from './enrollmentFacts';
import type { AppContext } from '../context';
import type { Patient, PatientContact } from '../db/schema';
import { notFound } from '../errors';
import { practiceTimeZone } from '../../../shared/settings';

function toLink(row: PatientContact): ContactLink & { patientId: string } {
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

async function linksFor(ctx: AppContext, patientIds: readonly string[]) {
  if (patientIds.length === 0) return [];
  const rows = await ctx.db.selectFrom('patient_contacts').selectAll().where('patient_id', 'in', patientIds).execute();
  return rows.map(toLink);
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

/**
 * Everything the review screen shows for a family: its children, plus children of other families
 * whose eligible Primary Contact is one of this family's guardians (blended families), each with
 * its verdict, and every contact with its per-child sort, authority and residence.
 */
export async function loadFamily(ctx: AppContext, familyId: string): Promise<FamilyView> {
  const family = await ctx.db.selectFrom('families').select(['id', 'name']).where('id', '=', familyId).executeTakeFirst();
  if (!family) throw notFound('That family');

  const own = await ctx.db.selectFrom('patients').selectAll().where('family_id', '=', familyId).execute();
  const ownLinks = await linksFor(ctx, own.map((p) => p.id));
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
    const candidateIds = (
      await ctx.db
        .selectFrom('patient_contacts')
        .select('patient_id')
        .distinct()
        .where('contact_id', 'in', [...guardianIds])
        .where('sort', '=', 1)
        .execute()
    )
      .map((r) => r.patient_id)
      .filter((id) => !ownIds.has(id));
    if (candidateIds.length > 0) {
      linkedLinks = await linksFor(ctx, candidateIds);
      const byPatient = groupBy(linkedLinks, (l) => l.patientId);
      const keep = candidateIds.filter((id) => {
        const primary = eligiblePrimaryContact(byPatient.get(id) ?? []);
        return primary !== null && guardianIds.has(primary.contactId);
      });
      linked = keep.length ? await ctx.db.selectFrom('patients').selectAll().where('id', 'in', keep).execute() : [];
      const kept = new Set(keep);
      linkedLinks = linkedLinks.filter((l) => kept.has(l.patientId));
    }
  }

  const patients = [...own, ...linked];
  const links = [...ownLinks, ...linkedLinks];
  const linksByPatient = groupBy(links, (l) => l.patientId);
  const contactIds = [...new Set(links.map((l) => l.contactId))];
  const contacts = contactIds.length
    ? await ctx.db.selectFrom('contacts').selectAll().where('id', 'in', contactIds).execute()
    : [];
  const contactById = new Map(contacts.map((c) => [c.id, c]));

  const familyIds = [...new Set(linked.map((p) => p.family_id).filter((id): id is string => id !== null))];
  const familyNames = new Map<string, string>([[family.id, family.name]]);
  if (familyIds.length) {
    for (const f of await ctx.db.selectFrom('families').select(['id', 'name']).where('id', 'in', familyIds).execute()) {
      familyNames.set(f.id, f.name);
    }
  }

  const now = ctx.now();
  const nowIso = now.toISOString();
  const patientIds = patients.map((p) => p.id);
  const local = await localPins(ctx.db, patientIds, nowIso, ctx.workstation);
  const reported = await reportedPins(ctx.db, patientIds, ctx.workstation);
  const guardians = await guardianFacts(ctx.db, contacts);
  const timeZone = practiceTimeZone(await ctx.settings());

  const settings = await ctx.settings();
  const today = await ctx.today();
  const checkingIn = new Set(
    patientIds.length
      ? (
          await ctx.db
            .selectFrom('appointments')
            .select('patient_id')
            .where('patient_id', 'in', patientIds)
            .where('starts_at', '>=', today)
            .where('starts_at', '<', addDays(today, 1))
            .execute()
        ).map((a) => a.patient_id)
      : [],
  );

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

  const reviewToken = await reviewDigest(ctx.db, familyId, patientIds, contactIds);
  return { familyId: family.id, familyName: family.name, children, contacts: contactViews, timeZone, reviewToken };
}
