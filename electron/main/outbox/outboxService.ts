import { sql } from 'kysely';
import type { OutboxItemView } from '../../../shared/api';
import { appendAudit } from '../audit/audit';
import { requireClerk } from '../clerks/sessionService';
import type { AppContext } from '../context';
import { checkMailbox, emailProblemWords } from '../../../shared/domain/email';
import { AppError, notFound } from '../errors';
import { storedPayload } from './payloads';
import { scrubbed } from './worker';

/** Emails with a PIN whose address the clerk may correct before a retry. */
const EDITABLE_EMAIL_KINDS = new Set(['email.welcome', 'email.add_child']);

/** "Ana Lopez (Lopez family)": the child and the family, so the clerk knows which family without opening it. */
function whose(child: { first: string | null; last: string | null; family: string | null }): string | null {
  const name = [child.first, child.last].filter(Boolean).join(' ');
  if (!name) return null;
  return child.family ? `${name} (${child.family} family)` : name;
}

function summarize(kind: string, payload: Record<string, unknown>, child: string | null): string {
  const named = child ?? (typeof payload.childFirstName === 'string' ? payload.childFirstName : 'a child');
  const to = String(payload.to ?? '(no address)');
  const recipient = typeof payload.recipientName === 'string' && payload.recipientName ? ` (${payload.recipientName})` : '';
  switch (kind) {
    case 'portal.enrollment':
      return `Portal registration of the PIN of ${named}`;
    case 'email.welcome':
      return `Welcome email to ${to}${recipient} with the PIN of ${named}`;
    case 'email.add_child': {
      const why = payload.welcomeAnswer === 'has_account' ? 'the guardian already has a portal account' : 'the guardian already received a Welcome email';
      return `"Add this child to your account" email to ${to}${recipient} with the PIN of ${named}, instead of a Welcome email: ${why}`;
    }
    case 'patient.name_correction':
      return `Name correction for ${named}: ${String(payload.firstName)} ${String(payload.lastName)}`;
    case 'contact.update':
      return `Family Contact details fixed for ${named}`;
    case 'portal.setup_link': {
      const count = Array.isArray(payload.patientIds) ? payload.patientIds.length : 0;
      return `"Set Up My Account" link registration for a guardian of ${count} ${count === 1 ? 'child' : 'children'}`;
    }
    case 'email.setup_link':
      return `"Set Up My Account" email to ${String(payload.to ?? '(no address)')} (${String(payload.recipientName ?? 'guardian')})`;
    default:
      return kind;
  }
}

/** The outbox as the clerk sees it: what waits or needs attention, in words, without PINs. */
export async function listOutbox(ctx: AppContext, status: 'pending' | 'needs_attention'): Promise<OutboxItemView[]> {
  const rows = await ctx.db
    .selectFrom('outbox as o')
    // An email's ref is its PIN (Welcome or add-child): the child is the PIN's; other rows name the patient in the payload or the ref.
    .leftJoin('pins as pn', (join) => join.on('o.kind', 'in', ['email.welcome', 'email.add_child']).onRef('pn.id', '=', 'o.ref'))
    // json_extract: Kysely has no typed JSON path for a TEXT column (json_valid first: json_extract
    // stops the whole query on one damaged payload).
    .leftJoin('patients as p', (join) =>
      join.on('p.id', '=', sql<string>`coalesce(CASE WHEN json_valid(o.payload) THEN json_extract(o.payload, '$.patientId') END, pn.patient_id, o.ref)`),
    )
    .leftJoin('families as f', 'f.id', 'p.family_id')
    .select([
      'o.id',
      'o.kind',
      'o.status',
      'o.payload',
      'o.attempts',
      'o.next_attempt_at',
      'o.last_error',
      'o.created_at',
      'p.first_name',
      'p.last_name',
      'f.name as family_name',
    ])
    .where('o.status', '=', status)
    .orderBy('o.created_at')
    .limit(500)
    .execute();
  return rows.map((r) => {
    // A damaged payload is shown as a problem of that one item (its delivery parks it the same way).
    const stored = storedPayload(r.payload);
    const payload = stored ?? {};
    const summary = summarize(r.kind, payload, whose({ first: r.first_name, last: r.last_name, family: r.family_name }));
    return {
      id: r.id,
      kind: r.kind,
      status: r.status,
      summary: stored ? summary : `${summary} (its stored details are damaged and cannot be read)`,
      attempts: r.attempts,
      nextAttemptAt: r.next_attempt_at,
      lastError: r.last_error,
      createdAt: r.created_at,
      editableEmail: EDITABLE_EMAIL_KINDS.has(r.kind) ? String(payload.to ?? '') : null,
    };
  });
}

async function parkedRow(ctx: AppContext, id: string) {
  const row = await ctx.db.selectFrom('outbox').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound('That item');
  if (row.status !== 'needs_attention') throw new AppError('conflict', 'That item no longer needs attention (it was retried or dismissed meanwhile).');
  return row;
}

/** Puts a parked item back in the queue now (and, for a Welcome email, with a corrected address). */
export async function retryOutboxItem(ctx: AppContext, id: string, email?: string): Promise<null> {
  const clerk = await requireClerk(ctx);
  const row = await parkedRow(ctx, id);
  if (email !== undefined && !EDITABLE_EMAIL_KINDS.has(row.kind)) throw new AppError('invalid_input', 'Only the address of an email with a PIN can be edited.');
  const mailbox = email === undefined ? null : checkMailbox(email);
  if (mailbox && !mailbox.ok) {
    throw new AppError('invalid_input', `The new address cannot be used: ${emailProblemWords(mailbox.problem)}. Enter one email address; nothing was changed.`);
  }
  const payload = storedPayload(row.payload);
  if (!payload) throw new AppError('conflict', 'The stored details of this item are damaged and cannot be read, so it cannot be sent: dismiss it.');
  const previous = payload.to;
  // The one address the mailer will accept (checkMailbox, trimmed), never the field as typed.
  if (mailbox) payload.to = mailbox.address;
  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .updateTable('outbox')
      .set({ status: 'pending', next_attempt_at: ctx.now().toISOString(), payload: JSON.stringify(payload) })
      .where('id', '=', id)
      .execute();
    await appendAudit(trx, {
      action: mailbox ? 'delivery_edited' : 'delivery_retried',
      clerkId: clerk.id,
      workstation: ctx.workstation,
      at: ctx.now(),
      details: mailbox ? { outboxId: id, kind: row.kind, from: previous, to: mailbox.address } : { outboxId: id, kind: row.kind },
    });
  });
  ctx.outboxChanged();
  return null;
}

/**
 * "Retry all": every item that needs attention goes back in the queue now, each audited as a
 * retry (the same entry as its own Retry button writes). Returns how many.
 */
export async function retryAllOutboxItems(ctx: AppContext): Promise<{ retried: number }> {
  const clerk = await requireClerk(ctx);
  const retried = await ctx.db.transaction().execute(async (trx) => {
    const parked = await trx.selectFrom('outbox').select(['id', 'kind']).where('status', '=', 'needs_attention').orderBy('created_at').execute();
    if (parked.length === 0) return 0;
    const now = ctx.now().toISOString();
    await trx.updateTable('outbox').set({ status: 'pending', next_attempt_at: now }).where('status', '=', 'needs_attention').execute();
    for (const row of parked) {
      await appendAudit(trx, {
        action: 'delivery_retried',
        clerkId: clerk.id,
        workstation: ctx.workstation,
        at: ctx.now(),
        details: { outboxId: row.id, kind: row.kind, retryAll: true },
      });
    }
    return parked.length;
  });
  if (retried > 0) ctx.outboxChanged();
  return { retried };
}

/** Gives up on a parked item, with the clerk's reason on record. Nothing is ever dropped silently. */
export async function dismissOutboxItem(ctx: AppContext, id: string, reason: string): Promise<null> {
  const clerk = await requireClerk(ctx);
  const row = await parkedRow(ctx, id);
  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .updateTable('outbox')
      .set({ status: 'dismissed', payload: scrubbed(row.payload) })
      .where('id', '=', id)
      .execute();
    await appendAudit(trx, {
      action: 'delivery_dismissed',
      clerkId: clerk.id,
      workstation: ctx.workstation,
      at: ctx.now(),
      details: { outboxId: id, kind: row.kind, reason, lastError: row.last_error },
    });
  });
  return null;
}
