import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { PinHistoryEntry } from '../../../shared/api';
import type { GuardianFacts, PinFact } from '../../../shared/domain/enrollment';
import type { Database } from '../db/schema';

/**
 * The facts the enrollment state is derived from (shared/domain/enrollment.ts): this desk's `pins`
 * and outbox, and what the practice system reported from every desk (`desk_pins`,
 * `guardian_enrollment`, migration 006). Every function takes an executor, so issuing can read
 * them again inside its transaction.
 */

type Executor = Kysely<Database>;

export interface LocalPins {
  facts: Map<string, PinFact[]>;
  history: Map<string, PinHistoryEntry[]>;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** This desk's PINs for these children, newest first: as facts, and as the family page's history. */
export async function localPins(db: Executor, patientIds: readonly string[], nowIso: string, workstation: string): Promise<LocalPins> {
  const facts = new Map<string, PinFact[]>();
  const history = new Map<string, PinHistoryEntry[]>();
  if (patientIds.length === 0) return { facts, history };
  const rows = await db
    .selectFrom('pins')
    .innerJoin('clerks', 'clerks.id', 'pins.issued_by')
    .leftJoin('contacts', 'contacts.id', 'pins.recipient_contact_id')
    .leftJoin('outbox', (join) => join.onRef('outbox.ref', '=', 'pins.id').on('outbox.kind', '=', 'portal.enrollment'))
    .select([
      'pins.id',
      'pins.batch_id',
      'pins.patient_id',
      'pins.issued_at',
      'pins.expires_at',
      'pins.delivery',
      'pins.status',
      'pins.workstation',
      'clerks.display_name',
      'contacts.first_name',
      'contacts.last_name',
      'outbox.status as enrollment_status',
    ])
    .where('pins.patient_id', 'in', patientIds)
    .orderBy('pins.issued_at', 'desc')
    .orderBy('pins.id')
    .execute();
  for (const r of rows) {
    const held = r.status === 'issued' && r.expires_at > nowIso;
    // The plain PIN stays (sealed) in the enrollment row until the portal has it: a reprint is possible until then.
    const undelivered = r.enrollment_status === 'pending' || r.enrollment_status === 'needs_attention';
    push(facts, r.patient_id, {
      pinId: r.id,
      batchId: r.batch_id,
      issuedAt: r.issued_at,
      expiresAt: r.expires_at,
      issuedBy: r.display_name,
      workstation: r.workstation,
      delivery: r.delivery,
      status: r.status,
      registered: r.enrollment_status === 'delivered',
      reprintable: undelivered && held,
      thisDesk: r.workstation === workstation,
    });
    push(history, r.patient_id, {
      pinId: r.id,
      batchId: r.batch_id,
      issuedAt: r.issued_at,
      issuedBy: r.display_name,
      expiresAt: r.expires_at,
      delivery: r.delivery,
      recipientName: r.first_name === null ? null : `${r.first_name} ${r.last_name ?? ''}`.trim(),
      status: r.status === 'issued' && r.expires_at <= nowIso ? 'expired' : r.status,
      reprintable: undelivered && held,
    });
  }
  return { facts, history };
}

/** What the practice system reported of these children's PINs, from every desk. */
export async function reportedPins(db: Executor, patientIds: readonly string[], workstation: string): Promise<Map<string, PinFact[]>> {
  const facts = new Map<string, PinFact[]>();
  if (patientIds.length === 0) return facts;
  const rows = await db.selectFrom('desk_pins').selectAll().where('patient_id', 'in', patientIds).execute();
  for (const r of rows) {
    push(facts, r.patient_id, {
      pinId: r.pin_id,
      batchId: null,
      issuedAt: r.issued_at,
      expiresAt: r.expires_at,
      issuedBy: r.issued_by,
      workstation: r.workstation,
      delivery: r.delivery,
      status: r.status,
      registered: true,
      reprintable: false,
      thisDesk: r.workstation === workstation,
    });
  }
  return facts;
}

/** Per guardian: this desk's Welcome emails (not dismissed), the reported one, and the account. */
export async function guardianFacts(
  db: Executor,
  contacts: readonly { id: string; has_portal_account: 0 | 1 }[],
): Promise<Map<string, GuardianFacts>> {
  const result = new Map<string, GuardianFacts>();
  if (contacts.length === 0) return result;
  const ids = contacts.map((c) => c.id);
  const welcomes = await db
    .selectFrom('outbox')
    .innerJoin('pins', 'pins.id', 'outbox.ref')
    .select(['pins.recipient_contact_id', 'pins.workstation', 'outbox.created_at', 'outbox.status'])
    .where('outbox.kind', '=', 'email.welcome')
    .where('outbox.status', 'in', ['pending', 'needs_attention', 'delivered'])
    .where('pins.recipient_contact_id', 'in', ids)
    .execute();
  const reported = await db.selectFrom('guardian_enrollment').selectAll().where('contact_id', 'in', ids).execute();
  const reportedById = new Map(reported.map((r) => [r.contact_id, r]));
  for (const c of contacts) {
    const r = reportedById.get(c.id);
    result.set(c.id, {
      localWelcomes: welcomes
        .filter((w) => w.recipient_contact_id === c.id)
        .map((w) => ({ createdAt: w.created_at, delivered: w.status === 'delivered', workstation: w.workstation })),
      reportedWelcome: r?.welcome_at ? { at: r.welcome_at, workstation: r.welcome_workstation } : null,
      hasAccount: c.has_portal_account === 1 || Boolean(r?.account_at),
    });
  }
  return result;
}

/**
 * A digest of every row the plan for these children and contacts rests on: the family's
 * children, their links, the contacts, every PIN (any desk, any status), the Welcome emails and
 * the reported accounts. Two reviews with the same digest plan the same way.
 */
export async function reviewDigest(db: Executor, familyId: string, patientIds: readonly string[], contactIds: readonly string[]): Promise<string> {
  const hash = createHash('sha256');
  const add = (label: string, rows: readonly object[]) => hash.update(label).update(JSON.stringify(rows));
  const own = await db.selectFrom('patients').select('id').where('family_id', '=', familyId).orderBy('id').execute();
  add('family', own);
  const pids = [...new Set([...patientIds, ...own.map((p) => p.id)])].sort();
  const cids = [...new Set(contactIds)].sort();
  if (pids.length > 0) {
    // What the plan reads, not bookkeeping (updated_at and version move on every upstream save).
    add(
      'patients',
      await db
        .selectFrom('patients')
        .select(['id', 'family_id', 'first_name', 'last_name', 'date_of_birth', 'status', 'portal_linked'])
        .where('id', 'in', pids)
        .orderBy('id')
        .execute(),
    );
    add(
      'links',
      await db.selectFrom('patient_contacts').selectAll().where('patient_id', 'in', pids).orderBy('patient_id').orderBy('contact_id').execute(),
    );
    add('pins', await db.selectFrom('pins').select(['id', 'status']).where('patient_id', 'in', pids).orderBy('id').execute());
    add('desk_pins', await db.selectFrom('desk_pins').select(['pin_id', 'status']).where('patient_id', 'in', pids).orderBy('pin_id').execute());
  }
  if (cids.length > 0) {
    add(
      'contacts',
      await db
        .selectFrom('contacts')
        .select(['id', 'first_name', 'last_name', 'email', 'language', 'has_portal_account'])
        .where('id', 'in', cids)
        .orderBy('id')
        .execute(),
    );
    add('guardians', await db.selectFrom('guardian_enrollment').selectAll().where('contact_id', 'in', cids).orderBy('contact_id').execute());
    add(
      'welcomes',
      await db
        .selectFrom('outbox')
        .innerJoin('pins', 'pins.id', 'outbox.ref')
        .select(['outbox.id'])
        .where('outbox.kind', '=', 'email.welcome')
        .where('outbox.status', '<>', 'dismissed')
        .where('pins.recipient_contact_id', 'in', cids)
        .orderBy('outbox.id')
        .execute(),
    );
  }
  return hash.digest('hex');
}
