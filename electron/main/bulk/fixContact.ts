/**
 * The worklist's inline fix (SPEC 3.5): a Primary Contact's own fields (name, email, mobile,
 * preferred reminder) and the per-patient link fields (authority, Resides with). The contact row,
 * the link, the search terms of every patient linked to the contact, an audit entry and the
 * outbox row carrying the change upstream (with the version it was based on) commit together.
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
import { worklistRowFor } from './snapshot';

export interface ContactChanges {
  firstName?: string | undefined;
  lastName?: string | undefined;
  email?: string | null | undefined;
  mobilePhone?: string | null | undefined;
  preferredReminder?: ReminderMethod | null | undefined;
  authority?: Authority | null | undefined;
  residesWith?: boolean | undefined;
}

export interface ContactFix {
  patientId: string;
  contactId: string;
  changes: ContactChanges;
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
      throw new AppError('invalid_input', `"${shownEmail(changes.email!)}" cannot be saved as the email: ${emailProblemWords(mailbox.problem)}. Enter one address. Nothing was changed.`);
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
 * Applies a fix and returns the patient's refreshed worklist row for that contact, or null when
 * nothing is left to fix there (or the contact is not the patient's Primary Contact).
 */
export async function fixContact(ctx: AppContext, input: ContactFix): Promise<WorklistRow | null> {
  const clerk = await requireClerk(ctx);
  const wanted = normalize(input.changes);
  const now = ctx.now();
  let changed = false;
  await ctx.db.transaction().execute(async (trx) => {
    const link = await trx
      .selectFrom('patient_contacts')
      .select(['authority', 'resides_with'])
      .where('patient_id', '=', input.patientId)
      .where('contact_id', '=', input.contactId)
      .executeTakeFirst();
    if (!link) {
      throw new AppError('not_found', 'That contact is not linked to that patient (any more). Reload the worklist and try again.');
    }
    const contact = await trx
      .selectFrom('contacts')
      .select(['first_name', 'last_name', 'email', 'mobile_phone', 'preferred_reminder', 'version'])
      .where('id', '=', input.contactId)
      .executeTakeFirstOrThrow();

    const current: Required<ContactChanges> = {
      firstName: contact.first_name,
      lastName: contact.last_name,
      email: contact.email,
      mobilePhone: contact.mobile_phone,
      preferredReminder: contact.preferred_reminder,
      authority: link.authority,
      residesWith: link.resides_with === 1,
    };
    const from: Record<string, unknown> = {};
    const to: ContactChanges = {};
    for (const key of Object.keys(wanted) as (keyof ContactChanges)[]) {
      if (wanted[key] !== current[key]) {
        from[key] = current[key];
        (to as Record<string, unknown>)[key] = wanted[key];
      }
    }
    if (Object.keys(to).length === 0) return;
    changed = true;

    const contactSet: Updateable<ContactsTable> = { version: contact.version + 1, updated_at: now.toISOString() };
    if (to.firstName !== undefined) contactSet.first_name = to.firstName;
    if (to.lastName !== undefined) contactSet.last_name = to.lastName;
    if ('email' in to) contactSet.email = to.email ?? null;
    if ('mobilePhone' in to) contactSet.mobile_phone = to.mobilePhone ?? null;
    if ('preferredReminder' in to) contactSet.preferred_reminder = to.preferredReminder ?? null;
    await trx.updateTable('contacts').set(contactSet).where('id', '=', input.contactId).execute();

    const linkSet: Updateable<PatientContactsTable> = {};
    if ('authority' in to) linkSet.authority = to.authority ?? null;
    if (to.residesWith !== undefined) linkSet.resides_with = to.residesWith ? 1 : 0;
    if (Object.keys(linkSet).length > 0) {
      await trx
        .updateTable('patient_contacts')
        .set(linkSet)
        .where('patient_id', '=', input.patientId)
        .where('contact_id', '=', input.contactId)
        .execute();
    }

    const linked = await trx.selectFrom('patient_contacts').select('patient_id').where('contact_id', '=', input.contactId).execute();
    reindexPatients(ctx.sqlite, linked.map((l) => l.patient_id));

    await appendAudit(trx, {
      action: 'contact_fixed',
      clerkId: clerk.id,
      workstation: ctx.workstation,
      at: now,
      patientId: input.patientId,
      details: { contactId: input.contactId, from, to },
    });
    await trx
      .insertInto('outbox')
      .values({
        id: randomUUID(),
        kind: 'contact.update',
        ref: input.contactId,
        payload: JSON.stringify({ contactId: input.contactId, patientId: input.patientId, changes: to, baseVersion: contact.version }),
        next_attempt_at: now.toISOString(),
        created_at: now.toISOString(),
        depends_on: null,
        last_error: null,
        delivered_at: null,
      })
      .execute();
  });
  if (changed) ctx.outboxChanged();
  // Worked out for this row alone (the same rules as the whole picture, which is recomputed on
  // the next list or readiness call): the fix answers at once even on a large mirror.
  return worklistRowFor(ctx.sqlite, input.patientId, input.contactId);
}
