import { createHash } from 'node:crypto';
import type BetterSqlite3 from 'better-sqlite3';
import type { Selectable } from 'kysely';
import type { PinHistoryEntry } from '../../../shared/api';
import type { GuardianFacts, PinFact } from '../../../shared/domain/enrollment';
import type { DeskPinsTable, GuardianEnrollmentTable, OutboxStatus, PinsTable } from '../db/schema';
import { JSON_IDS, perConnection } from '../lib/perConnection';

/**
 * The facts the enrollment state is derived from (shared/domain/enrollment.ts): this desk's `pins`
 * and outbox, and what the practice system reported from every desk (`desk_pins`,
 * `guardian_enrollment`, migration 006). Every function reads synchronously on the app's one
 * connection with statements prepared once; the caller holds Kysely's connection lock (the family
 * load) or its own transaction (issuing), so the reads are consistent and never see another call's
 * half-done transaction.
 */

export interface LocalPins {
  facts: Map<string, PinFact[]>;
  history: Map<string, PinHistoryEntry[]>;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** The readers' statements, prepared once per connection (lists of ids are passed as JSON arrays). */
const factStatementsFor = perConnection(
  (sqlite): Record<'pins' | 'deskPins' | 'welcomes' | 'reported', BetterSqlite3.Statement> => ({
    pins: sqlite.prepare(
      `SELECT pins.id, pins.batch_id, pins.patient_id, pins.issued_at, pins.expires_at, pins.delivery, pins.status, pins.workstation,
            clerks.display_name, contacts.first_name, contacts.last_name, outbox.status AS enrollment_status
       FROM pins
       INNER JOIN clerks ON clerks.id = pins.issued_by
       LEFT JOIN contacts ON contacts.id = pins.recipient_contact_id
       LEFT JOIN outbox ON outbox.ref = pins.id AND outbox.kind = 'portal.enrollment'
      WHERE pins.patient_id IN (${JSON_IDS})
      ORDER BY pins.issued_at DESC, pins.id`,
    ),
    deskPins: sqlite.prepare(`SELECT * FROM desk_pins WHERE patient_id IN (${JSON_IDS})`),
    welcomes: sqlite.prepare(
      `SELECT pins.recipient_contact_id, pins.workstation, outbox.created_at, outbox.status
       FROM outbox INNER JOIN pins ON pins.id = outbox.ref
      WHERE outbox.kind = 'email.welcome' AND outbox.status IN ('pending', 'needs_attention', 'delivered') AND pins.recipient_contact_id IN (${JSON_IDS})`,
    ),
    reported: sqlite.prepare(`SELECT * FROM guardian_enrollment WHERE contact_id IN (${JSON_IDS})`),
  }),
);

type PinRow = Pick<Selectable<PinsTable>, 'id' | 'batch_id' | 'patient_id' | 'issued_at' | 'expires_at' | 'delivery' | 'status' | 'workstation'> & {
  display_name: string;
  first_name: string | null;
  last_name: string | null;
  enrollment_status: OutboxStatus | null;
};

/**
 * This desk's PINs for these children, newest first: as facts, and as the family page's history.
 * Synchronous reads (as the others here): the caller holds Kysely's connection lock or its transaction.
 */
export function localPins(sqlite: BetterSqlite3.Database, patientIds: readonly string[], nowIso: string, workstation: string): LocalPins {
  const facts = new Map<string, PinFact[]>();
  const history = new Map<string, PinHistoryEntry[]>();
  if (patientIds.length === 0) return { facts, history };
  const rows = factStatementsFor(sqlite).pins.all(JSON.stringify(patientIds)) as PinRow[];
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
export function reportedPins(sqlite: BetterSqlite3.Database, patientIds: readonly string[], workstation: string): Map<string, PinFact[]> {
  const facts = new Map<string, PinFact[]>();
  if (patientIds.length === 0) return facts;
  const rows = factStatementsFor(sqlite).deskPins.all(JSON.stringify(patientIds)) as Selectable<DeskPinsTable>[];
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
export function guardianFacts(sqlite: BetterSqlite3.Database, contacts: readonly { id: string; has_portal_account: 0 | 1 }[]): Map<string, GuardianFacts> {
  const result = new Map<string, GuardianFacts>();
  if (contacts.length === 0) return result;
  const ids = JSON.stringify(contacts.map((c) => c.id));
  const s = factStatementsFor(sqlite);
  const welcomes = s.welcomes.all(ids) as { recipient_contact_id: string | null; workstation: string; created_at: string; status: OutboxStatus }[];
  const reported = s.reported.all(ids) as Selectable<GuardianEnrollmentTable>[];
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

/** The digest's statements, prepared once per connection (lists of ids are passed as JSON arrays). */
const digestStatementsFor = perConnection(
  (sqlite): Record<string, BetterSqlite3.Statement> => ({
    family: sqlite.prepare('SELECT id FROM patients WHERE family_id = ? ORDER BY id'),
    // What the plan reads, not bookkeeping (updated_at and version move on every upstream save).
    patients: sqlite.prepare(
      `SELECT id, family_id, first_name, last_name, date_of_birth, status, portal_linked FROM patients WHERE id IN (${JSON_IDS}) ORDER BY id`,
    ),
    links: sqlite.prepare(`SELECT * FROM patient_contacts WHERE patient_id IN (${JSON_IDS}) ORDER BY patient_id, contact_id`),
    // Every PIN of these children, this desk's and the ones reported from every desk, as (id,
    // status): the practice system reports this desk's own PINs back too, and UNION makes that
    // echo the same fact, so a pull that only confirms what this desk did leaves the digest alone.
    pins: sqlite.prepare(
      `SELECT id, status FROM pins WHERE patient_id IN (${JSON_IDS})
     UNION SELECT pin_id, status FROM desk_pins WHERE patient_id IN (${JSON_IDS}) ORDER BY 1, 2`,
    ),
    contacts: sqlite.prepare(`SELECT id, first_name, last_name, email, language FROM contacts WHERE id IN (${JSON_IDS}) ORDER BY id`),
    // Per guardian what the plan decides on: has an account (marked here or reported), has a
    // Welcome email (queued or sent by this desk, or reported from any desk). Which of these
    // says so is not the plan's business: the echo of this desk's own Welcome email, or its
    // turning into an add-child email, changes nothing the clerk reviewed.
    guardians: sqlite.prepare(
      `SELECT c.id,
            (c.has_portal_account = 1 OR g.account_at IS NOT NULL) AS account,
            (g.welcome_at IS NOT NULL OR EXISTS (
               SELECT 1 FROM outbox INNER JOIN pins ON pins.id = outbox.ref
                WHERE outbox.kind = 'email.welcome' AND outbox.status <> 'dismissed' AND pins.recipient_contact_id = c.id)) AS welcome
       FROM contacts c LEFT JOIN guardian_enrollment g ON g.contact_id = c.id
      WHERE c.id IN (${JSON_IDS}) ORDER BY c.id`,
    ),
  }),
);

/**
 * A digest of what the plan for these children and contacts rests on: the family's children,
 * their links, the contacts, every PIN (any desk, any status), and per guardian whether a Welcome
 * email or an account exists. Two reviews with the same digest plan the same way; facts that only
 * confirm this desk's own work (its PINs and Welcome email reported back by the practice system)
 * do not change it.
 *
 * Synchronous, on prepared statements (it runs on every family load and again in every issue's
 * transaction). The caller makes the reads consistent: the family load holds Kysely's connection
 * lock around it, and issuing calls it inside its own transaction.
 */
export function reviewDigest(sqlite: BetterSqlite3.Database, familyId: string, patientIds: readonly string[], contactIds: readonly string[]): string {
  const s = digestStatementsFor(sqlite);
  const hash = createHash('sha256');
  const add = (label: string, rows: readonly unknown[]) => hash.update(label).update(JSON.stringify(rows));
  const own = s.family!.all(familyId) as { id: string }[];
  add('family', own);
  const pids = JSON.stringify([...new Set([...patientIds, ...own.map((p) => p.id)])].sort());
  const cids = JSON.stringify([...new Set(contactIds)].sort());
  if (pids !== '[]') {
    add('patients', s.patients!.all(pids));
    add('links', s.links!.all(pids));
    add('pins', s.pins!.all(pids, pids));
  }
  if (cids !== '[]') {
    add('contacts', s.contacts!.all(cids));
    add('guardians', s.guardians!.all(cids));
  }
  return hash.digest('hex');
}
