import { enrollmentAccepted, enrollmentRequest, SYNC_PATHS, type EnrollmentAccepted, type EnrollmentRequest } from '../../../shared/sync/protocol';
import { appendAudit } from '../audit/audit';
import type { AppContext } from '../context';
import { postDelivery, type SyncEndpoint } from '../sync/http';
import { DeliveryError } from '../lib/deliveryError';
import { storedPayload, type EnrollmentPayload } from './payloads';
import type { OutboxRow, OutcomeWrite } from './worker';

/**
 * A PIN's registration with the practice system (sync v2) and what its answer changes here:
 *
 * - The practice system decides "one Welcome email ever per guardian" (SPEC 3.4). On `granted`
 *   the desk records the guardian's Welcome at once, so its next plan knows before any pull. On
 *   `already_welcomed` or `has_account` the Welcome email waiting on this enrollment is never
 *   sent: in one transaction it becomes an "add this child to your account" email (same row, same
 *   sealed PIN, kind email.add_child) with an audit entry, and the worker sends that instead.
 * - A replacement, once accepted, revokes the PIN it replaces on this desk too (SPEC 3.6).
 */

type Payload = Record<string, unknown>;

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** The facts a v1 row lacks and reads from its PIN instead (the request's fallbacks below). */
const V2_FACTS = ['issuedAt', 'workstation', 'issuedBy', 'delivery', 'replacesPinId'] as const;

/**
 * The v2 request for one outbox row. The issuing desk writes every field into the payload; rows
 * queued by a v1 desk (before an update) lack the v2 facts, which are then read from the PIN they
 * register and from the Welcome email that waits on them.
 */
async function enrollmentRequestFor(ctx: AppContext, row: OutboxRow, payload: Payload): Promise<EnrollmentRequest> {
  const pinId = str(payload.pinId) ?? row.ref ?? '';
  // A row the issuing desk wrote whole (v2) has every fact the PIN would give: no look-up per delivery.
  const pin = V2_FACTS.every((fact) => fact in payload)
    ? undefined
    : await ctx.db
        .selectFrom('pins as p')
        .leftJoin('clerks as k', 'k.id', 'p.issued_by')
        .select(['p.issued_at', 'p.workstation', 'p.delivery', 'p.replaces_pin_id', 'p.issued_by', 'k.display_name'])
        .where('p.id', '=', pinId)
        .executeTakeFirst();
  let welcomeFor: string | null;
  if ('welcomeForContactId' in payload) {
    welcomeFor = str(payload.welcomeForContactId) ?? null;
  } else {
    const welcome = await ctx.db.selectFrom('outbox').select('payload').where('depends_on', '=', row.id).where('kind', '=', 'email.welcome').executeTakeFirst();
    welcomeFor = welcome ? (str(storedPayload(welcome.payload)?.recipientContactId) ?? null) : null;
  }
  const candidate = {
    deliveryId: row.id,
    pinId,
    pin: payload.pin,
    patientId: payload.patientId,
    dateOfBirth: payload.dateOfBirth,
    expiresAt: payload.expiresAt,
    accountOwnerContactId: payload.accountOwnerContactId ?? null,
    batchId: payload.batchId,
    issuedAt: payload.issuedAt ?? pin?.issued_at,
    workstation: payload.workstation ?? pin?.workstation,
    issuedBy: payload.issuedBy ?? pin?.display_name ?? pin?.issued_by,
    delivery: payload.delivery ?? pin?.delivery,
    welcomeForContactId: welcomeFor,
    resendWelcome: payload.resendWelcome ?? false,
    replacesPinId: 'replacesPinId' in payload ? (payload.replacesPinId ?? null) : (pin?.replaces_pin_id ?? null),
  };
  const checked = enrollmentRequest.safeParse(candidate);
  if (!checked.success) {
    // Field names only: never a value (the PIN is one of them).
    const fields = [...new Set(checked.error.issues.map((issue) => issue.path.join('.') || 'request'))].slice(0, 4).join(', ');
    throw new DeliveryError(`This registration cannot be sent as it is (${fields}). Dismiss it and issue the PIN again.`, true);
  }
  return checked.data;
}

/**
 * What the accepted registration changes on this desk, written in the transaction that marks the
 * row delivered (repeatable: a retried delivery gets the same answer).
 */
function recordAnswer(ctx: AppContext, row: OutboxRow, request: EnrollmentRequest, answer: EnrollmentAccepted): OutcomeWrite {
  const now = ctx.now();
  const nowIso = now.toISOString();
  const contactId = request.welcomeForContactId;
  return async (trx) => {
    if (answer.welcome === 'granted' && contactId !== null) {
      await trx
        .insertInto('guardian_enrollment')
        .values({ contact_id: contactId, welcome_at: nowIso, welcome_workstation: ctx.workstation, account_at: null })
        .onConflict((oc) => oc.column('contact_id').doUpdateSet({ welcome_at: nowIso, welcome_workstation: ctx.workstation }))
        .execute();
    }
    if (answer.welcome === 'already_welcomed' || answer.welcome === 'has_account') {
      if (answer.welcome === 'has_account' && contactId !== null) {
        await trx.updateTable('contacts').set({ has_portal_account: 1 }).where('id', '=', contactId).execute();
      }
      const waiting = await trx
        .selectFrom('outbox')
        .select(['id', 'payload'])
        .where('depends_on', '=', row.id)
        .where('kind', '=', 'email.welcome')
        .where('status', '=', 'pending')
        .execute();
      for (const welcome of waiting) {
        const payload = storedPayload(welcome.payload);
        // The sealed PIN stays sealed: only the kind and the reason change (a damaged payload is
        // left as it is: the add-child email then stops on it and asks a person).
        await trx
          .updateTable('outbox')
          .set({ kind: 'email.add_child', payload: payload ? JSON.stringify({ ...payload, welcomeAnswer: answer.welcome }) : welcome.payload })
          .where('id', '=', welcome.id)
          .execute();
        await appendAudit(trx, {
          action: 'welcome_became_add_child',
          clerkId: null,
          workstation: ctx.workstation,
          at: now,
          patientId: request.patientId,
          details: { outboxId: welcome.id, pinId: request.pinId, contactId, answer: answer.welcome, to: payload?.to ?? null },
        });
      }
    }
    if (request.replacesPinId !== null) {
      const revoked = await trx
        .updateTable('pins')
        .set({ status: 'revoked' })
        .where('id', '=', request.replacesPinId)
        .where('status', '=', 'issued')
        .executeTakeFirst();
      if (Number(revoked.numUpdatedRows) > 0) {
        await appendAudit(trx, {
          action: 'pin_revoked',
          clerkId: null,
          workstation: ctx.workstation,
          at: now,
          patientId: request.patientId,
          details: { pinId: request.replacesPinId, replacedBy: request.pinId },
        });
      }
    }
  };
}

/** Delivers one portal.enrollment row: registers the PIN; returns what the practice system's answer changes here (see recordAnswer). */
export async function deliverEnrollment(
  ctx: AppContext,
  row: OutboxRow,
  payload: EnrollmentPayload,
  endpoint: SyncEndpoint,
  signal?: AbortSignal,
): Promise<OutcomeWrite> {
  if (typeof payload.pin !== 'string') throw new DeliveryError('This registration has lost its PIN and cannot be sent. Issue a new PIN.', true);
  const request = await enrollmentRequestFor(ctx, row, payload);
  const { body } = await postDelivery(endpoint, SYNC_PATHS.enrollments, row.id, request, signal);
  const answer = enrollmentAccepted.safeParse(body);
  if (!answer.success) throw new DeliveryError('The practice system gave an answer this version cannot read; retrying.', false);
  return recordAnswer(ctx, row, request, answer.data);
}
