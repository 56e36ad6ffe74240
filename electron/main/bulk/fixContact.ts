/**
 * The worklist's inline fix (SPEC 3.5), one per guardian (issue 12): a Primary Contact's own
 * fields (name, email, mobile, preferred reminder) and, for each of their children, the link
 * fields (authority, Resides with). The contact row, the links, the search terms of every patient
 * linked to the contact, the audit entries (one per child whose record changed upstream) and the
 * outbox rows carrying the change upstream (with the version it was based on) commit together.
 */
import { randomUUID } from 'node:crypto';
import type { Updateable } from 'kysely';
import type { WorklistRow } from '../../../shared/bulk/api';
import { checkMobile, shownEmail } from '../../../shared/domain/contactQuality';
import { checkMailbox, emailProblemWords } from '../../../shared/domain/email';
import type { Authority, ReminderMethod } from '../../../shared/domain/patient';
import { appendAudit } from '../audit/audit';
import { requireClerk } from '../clerks/sessionService';
import type { AppContext } from '../context';
import type { ContactsTable, PatientContactsTable } from '../db/schema';
import { AppError } from '../errors';
import { reindexPatients } from '../search/indexer';
import { newOutboxRow } from '../outbox/payloads';
import { worklistRowForGuardian } from './worklistRows';

export interface ContactChanges {
  firstName?: string | undefined;
  lastName?: string | undefined;
  email?: string | null | undefined;
  mobilePhone?: string | null | undefined;
  preferredReminder?: ReminderMethod | null | undefined;
  authority?: Authority | null | undefined;
  residesWith?: boolean | undefined;
}

/** The guardian's authority and residence for one child. */
export interface LinkChanges {
  patientId: string;
  authority?: Authority | null | undefined;
  residesWith?: boolean | undefined;
}

export interface ContactFix {
  contactId: string;
  /** The guardian's own fields (authority and residence go in `links`). */
  changes: Omit<ContactChanges, 'authority' | 'residesWith'>;
  links: LinkChanges[];
}

const collapse = (s: string) => s.trim().replace(/\s+/g, ' ');

/** The changes as they will be stored: trimmed, blanks as null, mobiles in one format. */
function normalize(changes: ContactChanges): ContactChanges {
  const out: ContactChanges = {};
  if (changes.firstName !== undefined) out.firstName = collapse(changes.firstName);
  if (changes.lastName !== undefined) out.lastName = collapse(changes.lastName);
  if (out.firstName === '' || out.lastName === '') throw new AppError('invalid_input', 'A contact needs a first and a last name. Nothing was changed.');
  if (changes.email !== undefined) {
    const mailbox = changes.email === null || changes.email.trim() === '' ? null : checkMailbox(changes.email);
    if (mailbox && !mailbox.ok) {
      throw new AppError(
        'invalid_input',
        `"${shownEmail(changes.email!)}" cannot be saved as the email: ${emailProblemWords(mailbox.problem)}. Enter one address. Nothing was changed.`,
      );
    }
    out.email = mailbox ? mailbox.address : null;
  }
  if (changes.mobilePhone !== undefined) {
    const raw = changes.mobilePhone?.trim() ?? '';
    if (raw === '') out.mobilePhone = null;
    else {
      const check = checkMobile(raw);
      if (!check.ok) throw new AppError('invalid_input', `"${raw}" is not a valid US/Canada mobile number (${check.why}). Nothing was changed.`);
      out.mobilePhone = check.formatted;
    }
  }
  if (changes.preferredReminder !== undefined) out.preferredReminder = changes.preferredReminder;
  if (changes.authority !== undefined) out.authority = changes.authority;
  if (changes.residesWith !== undefined) out.residesWith = changes.residesWith;
  return out;
}

/**
 * Applies a guardian's fix and returns their refreshed worklist row, or null when nothing is left
 * to fix for them.
 */
export async function fixContact(ctx: AppContext, input: ContactFix): Promise<WorklistRow | null> {
  const clerk = await requireClerk(ctx);
  const wanted = normalize(input.changes);
  const now = ctx.now();
  let changed = false;
  await ctx.db.transaction().execute(async (trx) => {
    const contact = await trx
      .selectFrom('contacts')
      .select(['first_name', 'last_name', 'email', 'mobile_phone', 'preferred_reminder', 'version'])
      .where('id', '=', input.contactId)
      .executeTakeFirst();
    // The children this guardian is Primary Contact of: a link outside them is refused.
    const linked = await trx
      .selectFrom('patient_contacts as pc')
      .innerJoin('patients as p', 'p.id', 'pc.patient_id')
      .select(['pc.patient_id', 'pc.authority', 'pc.resides_with', 'pc.sort'])
      .where('pc.contact_id', '=', input.contactId)
      .orderBy('p.last_name')
      .orderBy('p.first_name')
      .orderBy('p.id')
      .execute();
    const primaryOf = linked.filter((l) => l.sort === 1);
    if (!contact || primaryOf.length === 0) {
      throw new AppError('not_found', 'That contact is not the Primary Contact of any patient (any more). Reload the worklist and try again.');
    }
    for (const link of input.links) {
      if (!primaryOf.some((l) => l.patient_id === link.patientId)) {
        throw new AppError('not_found', 'That contact is not the Primary Contact of that patient (any more). Reload the worklist and try again.');
      }
    }

    // The guardian's own fields: what differs from the record.
    const currentOwn: Required<ContactFix['changes']> = {
      firstName: contact.first_name,
      lastName: contact.last_name,
      email: contact.email,
      mobilePhone: contact.mobile_phone,
      preferredReminder: contact.preferred_reminder,
    };
    const ownFrom: Record<string, unknown> = {};
    const ownTo: ContactChanges = {};
    for (const key of Object.keys(wanted) as (keyof ContactFix['changes'])[]) {
      if (wanted[key] !== currentOwn[key]) {
        ownFrom[key] = currentOwn[key];
        (ownTo as Record<string, unknown>)[key] = wanted[key];
      }
    }
    // Each child's link: what differs.
    const linkChanges: { patientId: string; from: Record<string, unknown>; to: ContactChanges }[] = [];
    for (const link of input.links) {
      const current = primaryOf.find((l) => l.patient_id === link.patientId)!;
      const from: Record<string, unknown> = {};
      const to: ContactChanges = {};
      if (link.authority !== undefined && link.authority !== current.authority) {
        from.authority = current.authority;
        to.authority = link.authority;
      }
      if (link.residesWith !== undefined && link.residesWith !== (current.resides_with === 1)) {
        from.residesWith = current.resides_with === 1;
        to.residesWith = link.residesWith;
      }
      if (Object.keys(to).length > 0) linkChanges.push({ patientId: link.patientId, from, to });
    }
    // An Authority saved for a child (changed or kept as it was) is confirmed: the FHIR load's
    // inference of it leaves the worklist ('authority_inferred'); a row with nothing else inferred goes.
    const confirmed = input.links.filter((l) => l.authority !== undefined).map((l) => l.patientId);
    if (confirmed.length > 0) {
      await trx
        .updateTable('fhir_link_inferences')
        .set({ authority: 0 })
        .where('contact_id', '=', input.contactId)
        .where('patient_id', 'in', confirmed)
        .execute();
      await trx
        .deleteFrom('fhir_link_inferences')
        .where('contact_id', '=', input.contactId)
        .where('patient_id', 'in', confirmed)
        .where('authority', '=', 0)
        .where('sort', '=', 0)
        .where('resides_with', '=', 0)
        .execute();
    }
    if (Object.keys(ownTo).length === 0 && linkChanges.length === 0) return;
    changed = true;

    if (Object.keys(ownTo).length > 0) {
      const contactSet: Updateable<ContactsTable> = { version: contact.version + 1, updated_at: now.toISOString() };
      if (ownTo.firstName !== undefined) contactSet.first_name = ownTo.firstName;
      if (ownTo.lastName !== undefined) contactSet.last_name = ownTo.lastName;
      if ('email' in ownTo) contactSet.email = ownTo.email ?? null;
      if ('mobilePhone' in ownTo) contactSet.mobile_phone = ownTo.mobilePhone ?? null;
      if ('preferredReminder' in ownTo) contactSet.preferred_reminder = ownTo.preferredReminder ?? null;
      await trx.updateTable('contacts').set(contactSet).where('id', '=', input.contactId).execute();
      reindexPatients(
        ctx.sqlite,
        linked.map((l) => l.patient_id),
      );
    }
    for (const change of linkChanges) {
      const linkSet: Updateable<PatientContactsTable> = {};
      if ('authority' in change.to) linkSet.authority = change.to.authority ?? null;
      if (change.to.residesWith !== undefined) linkSet.resides_with = change.to.residesWith ? 1 : 0;
      await trx.updateTable('patient_contacts').set(linkSet).where('patient_id', '=', change.patientId).where('contact_id', '=', input.contactId).execute();
    }

    // Upstream and in the audit log, per child record (the protocol carries one link per update):
    // the guardian's own changes travel with the first child whose link changed, or the first child.
    const updates =
      linkChanges.length > 0
        ? linkChanges.map((change, i) => ({
            patientId: change.patientId,
            from: i === 0 ? { ...ownFrom, ...change.from } : change.from,
            to: i === 0 ? { ...ownTo, ...change.to } : change.to,
          }))
        : [{ patientId: primaryOf[0]!.patient_id, from: ownFrom, to: ownTo }];
    for (const update of updates) {
      await appendAudit(trx, {
        action: 'contact_fixed',
        clerkId: clerk.id,
        workstation: ctx.workstation,
        at: now,
        patientId: update.patientId,
        details: { contactId: input.contactId, from: update.from, to: update.to },
      });
      await trx
        .insertInto('outbox')
        .values(
          newOutboxRow(
            ctx,
            'contact.update',
            { contactId: input.contactId, patientId: update.patientId, changes: update.to, baseVersion: contact.version },
            { id: randomUUID(), ref: input.contactId, at: now.toISOString() },
          ),
        )
        .execute();
    }
  });
  if (changed) ctx.outboxChanged();
  // Worked out for this guardian alone (the same rules as the whole picture, which is recomputed
  // on the next list or readiness call): the fix answers at once even on a large mirror.
  return worklistRowForGuardian(ctx.sqlite, input.contactId);
}
