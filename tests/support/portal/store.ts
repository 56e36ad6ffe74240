import { randomUUID } from 'node:crypto';
import type BetterSqlite3 from 'better-sqlite3';
import type { ChangesPage, DeskPinRecord, GuardianRecord } from '../../../shared/sync/protocol';
import { appointmentRecord, contactRecord, familyRecord, patientContactRecord, patientRecord } from './storeRecords';
import { PORTAL_TABLES, upgradePortalTables } from './storeSchema';
import type { AccountRow, ChangeKind, EnrollmentRow, LogKind, LogRow, NewEnrollment, PatientName, SetupLinkRow, StoredDelivery, WelcomeRow } from './storeRows';

export type { AccountRow, ChangeKind, EnrollmentRow, LogKind, NewEnrollment, PatientName, SetupLinkRow, StoredDelivery, WelcomeRow } from './storeRows';

/**
 * The reference portal's own state, next to the practice tables it shares with the app's schema
 * (families, patients, contacts, patient_contacts, appointments). Everything here is synchronous
 * better-sqlite3 so each protocol call is one transaction.
 */

export class PortalStore {
  constructor(readonly sqlite: BetterSqlite3.Database) {
    sqlite.exec(PORTAL_TABLES.join(';\n'));
    upgradePortalTables(sqlite);
  }

  /**
   * Statements prepared once: a page of 2,000 changes looks up 2,000 records, and compiling each
   * lookup again took most of the portal's time per page at 200,000 patients.
   */
  private readonly prepared = new Map<string, BetterSqlite3.Statement>();
  private readonly prepare = (sql: string): BetterSqlite3.Statement => this.sqlitePrepared(sql);
  private sqlitePrepared(sql: string): BetterSqlite3.Statement {
    const statement = this.prepared.get(sql) ?? this.prepared.set(sql, this.sqlite.prepare(sql)).get(sql)!;
    if (statement.reader) statement.pluck(false); // a caller before may have asked for plucked rows
    return statement;
  }

  transaction<T>(work: () => T): T {
    return this.sqlite.transaction(work)();
  }

  // ---- change log -------------------------------------------------------------------------

  appendChange(kind: LogKind, recordId: string, deleted = false, mergedInto: string | null = null): number {
    const result = this.sqlite
      .prepare('INSERT INTO portal_change_log (kind, record_id, deleted, merged_into) VALUES (?, ?, ?, ?)')
      .run(kind, recordId, deleted ? 1 : 0, mergedInto);
    return Number(result.lastInsertRowid);
  }

  /**
   * On a fresh file: one change per practice row, parents before children (families, contacts,
   * patients, links, appointments), so a client applying pages in order never meets a row whose
   * family, patient or contact it has not received yet.
   */
  backfillChangeLogIfEmpty(): number {
    const has = this.sqlitePrepared('SELECT 1 FROM portal_change_log LIMIT 1').get();
    if (has) return 0;
    return this.transaction(() => {
      const before = this.sqlitePrepared('SELECT count(*) FROM portal_change_log').pluck().get() as number;
      const fill = (kind: ChangeKind, recordId: string, from: string, orderBy: string) =>
        this.sqlitePrepared(`INSERT INTO portal_change_log (kind, record_id, deleted) SELECT ?, ${recordId}, 0 FROM ${from} ORDER BY ${orderBy}`).run(kind);
      fill('family', 'id', 'families', 'id');
      fill('contact', 'id', 'contacts', 'id');
      fill('patient', 'id', 'patients', 'id');
      fill('patientContact', "patient_id || ':' || contact_id", 'patient_contacts', 'patient_id, contact_id');
      fill('appointment', 'id', 'appointments', 'id');
      return (this.sqlitePrepared('SELECT count(*) FROM portal_change_log').pluck().get() as number) - before;
    });
  }

  /** Log rows after `afterSeq`, current records fetched by id; a missing or deleted row is a tombstone. */
  changesPage(afterSeq: number, limit: number, cursorText: string): ChangesPage {
    return this.transaction(() => {
      const rows = this.sqlitePrepared('SELECT seq, kind, record_id, deleted, merged_into FROM portal_change_log WHERE seq > ? ORDER BY seq LIMIT ?').all(
        afterSeq,
        limit,
      ) as LogRow[];
      const page: ChangesPage = {
        cursor: rows.length > 0 ? String(rows.at(-1)!.seq) : cursorText,
        hasMore: false,
        remaining: 0,
        families: [],
        patients: [],
        contacts: [],
        patientContacts: [],
        appointments: [],
        tombstones: [],
        pins: [],
        guardians: [],
      };
      // A record touched twice in one page is sent once, in the state of its latest entry.
      const latest = new Map<string, LogRow>();
      for (const row of rows) {
        const key = `${row.kind}\u0000${row.record_id}`;
        latest.delete(key);
        latest.set(key, row);
      }
      for (const row of latest.values()) this.addToPage(page, row);
      const lastSeq = rows.length > 0 ? rows.at(-1)!.seq : afterSeq;
      // Never pruned, so its seqs are dense: no count over the rest of the log (~10 ms a page at 200,000 patients).
      page.remaining = Math.max(0, ((this.sqlitePrepared('SELECT max(seq) FROM portal_change_log').pluck().get() as number | null) ?? 0) - lastSeq);
      page.hasMore = page.remaining > 0;
      return page;
    });
  }

  private addToPage(page: ChangesPage, row: LogRow): void {
    // Enrollment facts are never removed: they are sent in their current state.
    if (row.kind === 'pin') {
      const record = this.deskPin(row.record_id);
      if (record) page.pins.push(record);
      return;
    }
    if (row.kind === 'guardian') {
      const record = this.guardian(row.record_id);
      if (record) page.guardians.push(record);
      return;
    }
    const kind = row.kind;
    const tombstone = (): void => {
      page.tombstones.push({ kind, id: row.record_id, mergedInto: row.merged_into });
    };
    if (row.deleted) {
      tombstone();
      return;
    }
    switch (kind) {
      case 'family': {
        const record = familyRecord(this.prepare, row.record_id);
        if (record) page.families.push(record);
        else tombstone();
        return;
      }
      case 'patient': {
        const record = patientRecord(this.prepare, row.record_id);
        if (record) page.patients.push(record);
        else tombstone();
        return;
      }
      case 'contact': {
        const record = contactRecord(this.prepare, row.record_id);
        if (record) page.contacts.push(record);
        else tombstone();
        return;
      }
      case 'patientContact': {
        const record = patientContactRecord(this.prepare, row.record_id);
        if (record) page.patientContacts.push(record);
        else tombstone();
        return;
      }
      case 'appointment': {
        const record = appointmentRecord(this.prepare, row.record_id);
        if (record) page.appointments.push(record);
        else tombstone();
        return;
      }
    }
  }

  /** A PIN as every desk learns it; null for an enrollment kept from a v1 file (it lacks the v2 facts). */
  private deskPin(pinId: string): DeskPinRecord | null {
    const e = this.enrollmentByPinId(pinId);
    if (!e || e.issued_at === null || e.workstation === null || e.issued_by === null || e.delivery === null) return null;
    return {
      pinId: e.pin_id,
      patientId: e.patient_id,
      issuedAt: e.issued_at,
      expiresAt: e.expires_at,
      workstation: e.workstation,
      issuedBy: e.issued_by,
      delivery: e.delivery,
      status: e.revoked_at !== null ? 'revoked' : e.redeemed_at !== null ? 'redeemed' : 'issued',
      redeemedAt: e.redeemed_at,
    };
  }

  private guardian(contactId: string): GuardianRecord | null {
    const welcome = this.welcomeOf(contactId);
    const accountAt = this.sqlitePrepared('SELECT min(created_at) FROM portal_accounts WHERE owner_contact_id = ?').pluck().get(contactId) as string | null;
    if (!welcome && accountAt === null) return null;
    return { contactId, welcomeAt: welcome?.granted_at ?? null, welcomeWorkstation: welcome?.workstation ?? null, accountAt };
  }

  // ---- practice data the portal reads or changes ---------------------------------------------

  patientName(id: string): PatientName | null {
    const r = this.sqlitePrepared('SELECT id, first_name, last_name, date_of_birth, version FROM patients WHERE id = ?').get(id) as
      | { id: string; first_name: string; last_name: string; date_of_birth: string | null; version: number }
      | undefined;
    return r ? { id: r.id, firstName: r.first_name, lastName: r.last_name, dateOfBirth: r.date_of_birth, version: r.version } : null;
  }

  /** Test helper: patients the practice system knows without a whole demo practice (no family). */
  insertPatient(patient: { id: string; chartNumber?: string; firstName?: string; lastName?: string; dateOfBirth?: string | null }, nowIso: string): void {
    this.sqlite
      .prepare(
        `INSERT INTO patients (id, chart_number, family_id, first_name, last_name, date_of_birth, sex, status, portal_linked, version, updated_at)
         VALUES (?, ?, NULL, ?, ?, ?, NULL, 'Active', 0, 1, ?)`,
      )
      .run(patient.id, patient.chartNumber ?? patient.id, patient.firstName ?? 'Patient', patient.lastName ?? patient.id, patient.dateOfBirth ?? null, nowIso);
    this.appendChange('patient', patient.id);
  }

  /** Upstream applies a name correction: the version moves on and the change is logged. */
  renamePatient(id: string, firstName: string, lastName: string, baseVersion: number, nowIso: string): number | null {
    const changed = this.sqlite
      .prepare('UPDATE patients SET first_name = ?, last_name = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?')
      .run(firstName, lastName, nowIso, id, baseVersion);
    if (changed.changes === 0) return null;
    this.appendChange('patient', id);
    return baseVersion + 1;
  }

  /** What the practice system learns when a parent links a child (and, for a new account, who owns it). */
  markPortalLinked(patientId: string, ownerContactId: string | null, nowIso: string): void {
    const patient = this.sqlite
      .prepare('UPDATE patients SET portal_linked = 1, version = version + 1, updated_at = ? WHERE id = ? AND portal_linked = 0')
      .run(nowIso, patientId);
    if (patient.changes > 0) this.appendChange('patient', patientId);
    if (ownerContactId === null) return;
    const contact = this.sqlite
      .prepare('UPDATE contacts SET has_portal_account = 1, version = version + 1, updated_at = ? WHERE id = ? AND has_portal_account = 0')
      .run(nowIso, ownerContactId);
    if (contact.changes > 0) this.appendChange('contact', ownerContactId);
  }

  // ---- deliveries (idempotency) ---------------------------------------------------------------

  delivery(deliveryId: string): StoredDelivery | null {
    const r = this.sqlitePrepared('SELECT path, status, body FROM portal_deliveries WHERE delivery_id = ?').get(deliveryId) as
      | { path: string; status: number; body: string }
      | undefined;
    return r ? { path: r.path, status: r.status, body: JSON.parse(r.body) as unknown } : null;
  }

  recordDelivery(deliveryId: string, path: string, status: number, body: unknown): void {
    this.sqlite
      .prepare('INSERT INTO portal_deliveries (delivery_id, path, status, body) VALUES (?, ?, ?, ?)')
      .run(deliveryId, path, status, JSON.stringify(body));
  }

  // ---- enrollments ------------------------------------------------------------------------------

  enrollmentByPinId(pinId: string): EnrollmentRow | null {
    return (this.sqlitePrepared('SELECT * FROM portal_enrollments WHERE pin_id = ?').get(pinId) as EnrollmentRow | undefined) ?? null;
  }

  /**
   * Records an accepted enrollment and logs it for every desk's pull. A PIN already revoked by a
   * replacement that arrived first is born revoked.
   */
  insertEnrollment(row: NewEnrollment): string {
    const id = randomUUID();
    const revokedAt = this.sqlitePrepared('SELECT revoked_at FROM portal_revocations WHERE pin_id = ?').pluck().get(row.pin_id) as string | undefined;
    this.sqlite
      .prepare(
        `INSERT INTO portal_enrollments (id, delivery_id, pin_id, pin_hash, patient_id, date_of_birth, expires_at, account_owner_contact_id,
                                         issued_at, workstation, issued_by, delivery, welcome, replaces_pin_id, revoked_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        id,
        row.delivery_id,
        row.pin_id,
        row.pin_hash,
        row.patient_id,
        row.date_of_birth,
        row.expires_at,
        row.account_owner_contact_id,
        row.issued_at,
        row.workstation,
        row.issued_by,
        row.delivery,
        row.welcome,
        row.replaces_pin_id,
        revokedAt ?? null,
      );
    this.appendChange('pin', row.pin_id);
    return id;
  }

  /**
   * A replacement was accepted: the PIN it replaces stops working unless a parent already used it.
   * Remembered by PIN id, so a replaced PIN whose own enrollment arrives later is born revoked.
   */
  revokeReplacedPin(pinId: string, byPinId: string, nowIso: string): void {
    this.sqlitePrepared('INSERT OR IGNORE INTO portal_revocations (pin_id, revoked_at, replaced_by_pin_id) VALUES (?, ?, ?)').run(pinId, nowIso, byPinId);
    const revoked = this.sqlite
      .prepare('UPDATE portal_enrollments SET revoked_at = ? WHERE pin_id = ? AND redeemed_at IS NULL AND revoked_at IS NULL')
      .run(nowIso, pinId);
    if (revoked.changes > 0) this.appendChange('pin', pinId);
  }

  /** Enrollments a typed PIN may belong to: same date of birth, not redeemed, not revoked, not expired. */
  redeemableEnrollments(dateOfBirth: string, nowIso: string): EnrollmentRow[] {
    return this.sqlite
      .prepare('SELECT * FROM portal_enrollments WHERE date_of_birth = ? AND redeemed_at IS NULL AND revoked_at IS NULL AND expires_at > ? ORDER BY rowid')
      .all(dateOfBirth, nowIso) as EnrollmentRow[];
  }

  /** Marks the enrollment redeemed unless someone else got there first (or it was revoked meanwhile); every desk hears of it. */
  redeem(enrollmentId: string, accountId: string, nowIso: string): boolean {
    const r = this.sqlite
      .prepare('UPDATE portal_enrollments SET redeemed_at = ?, account_id = ? WHERE id = ? AND redeemed_at IS NULL AND revoked_at IS NULL')
      .run(nowIso, accountId, enrollmentId);
    if (r.changes !== 1) return false;
    const pinId = this.sqlitePrepared('SELECT pin_id FROM portal_enrollments WHERE id = ?').pluck().get(enrollmentId) as string;
    this.appendChange('pin', pinId);
    return true;
  }

  // ---- Welcome emails (v2: one per guardian, ever) -----------------------------------------------

  welcomeOf(contactId: string): WelcomeRow | null {
    return (this.sqlitePrepared('SELECT * FROM portal_welcomes WHERE contact_id = ?').get(contactId) as WelcomeRow | undefined) ?? null;
  }

  /** Grants (or, for an explicit re-send, grants again) the guardian's Welcome email; every desk hears of it. */
  grantWelcome(contactId: string, enrollmentId: string, workstation: string, nowIso: string): void {
    this.sqlite
      .prepare(
        `INSERT INTO portal_welcomes (contact_id, granted_at, workstation, enrollment_id) VALUES (?, ?, ?, ?)
         ON CONFLICT (contact_id) DO UPDATE SET granted_at = excluded.granted_at, workstation = excluded.workstation, enrollment_id = excluded.enrollment_id`,
      )
      .run(contactId, nowIso, workstation, enrollmentId);
    this.appendChange('guardian', contactId);
  }

  /** The guardian owns a portal account (created here), or the practice system says they have one. */
  contactHasAccount(contactId: string): boolean {
    const owns = this.sqlitePrepared('SELECT 1 FROM portal_accounts WHERE owner_contact_id = ? LIMIT 1').pluck().get(contactId);
    const flagged = this.sqlitePrepared('SELECT has_portal_account FROM contacts WHERE id = ?').pluck().get(contactId);
    return owns !== undefined || flagged === 1;
  }

  allEnrollments(): EnrollmentRow[] {
    return this.sqlitePrepared('SELECT * FROM portal_enrollments ORDER BY rowid').all() as EnrollmentRow[];
  }

  // ---- setup links (Bulk PIN campaign) -------------------------------------------------------------

  setupLinkByHash(tokenHash: string): SetupLinkRow | null {
    return (this.sqlitePrepared('SELECT * FROM portal_setup_links WHERE token_hash = ?').get(tokenHash) as SetupLinkRow | undefined) ?? null;
  }

  insertSetupLink(row: Omit<SetupLinkRow, 'id' | 'used_at' | 'account_id'>): string {
    const id = randomUUID();
    this.sqlite
      .prepare(
        `INSERT INTO portal_setup_links (id, token_hash, delivery_id, campaign_id, contact_id, patient_ids, issued_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(id, row.token_hash, row.delivery_id, row.campaign_id, row.contact_id, row.patient_ids, row.issued_at, row.expires_at);
    return id;
  }

  /** Marks the link used unless another request got there first. */
  useSetupLink(id: string, accountId: string, nowIso: string): boolean {
    return (
      this.sqlitePrepared('UPDATE portal_setup_links SET used_at = ?, account_id = ? WHERE id = ? AND used_at IS NULL').run(nowIso, accountId, id).changes === 1
    );
  }

  allSetupLinks(): SetupLinkRow[] {
    return this.sqlitePrepared('SELECT * FROM portal_setup_links ORDER BY rowid').all() as SetupLinkRow[];
  }

  contactEmail(contactId: string): string | null {
    return (this.sqlitePrepared('SELECT email FROM contacts WHERE id = ?').pluck().get(contactId) as string | null | undefined) ?? null;
  }

  // ---- accounts ---------------------------------------------------------------------------------

  accountByEmail(email: string): AccountRow | null {
    return (this.sqlitePrepared('SELECT * FROM portal_accounts WHERE email = ?').get(email) as AccountRow | undefined) ?? null;
  }

  accountById(id: string): AccountRow | null {
    return (this.sqlitePrepared('SELECT * FROM portal_accounts WHERE id = ?').get(id) as AccountRow | undefined) ?? null;
  }

  /** A new account, linked to the Family Contact who owns it (when known): every desk hears that guardian has an account. */
  insertAccount(email: string, passwordHash: string, nowIso: string, ownerContactId: string | null): string {
    const id = randomUUID();
    this.sqlite
      .prepare('INSERT INTO portal_accounts (id, email, password_hash, created_at, owner_contact_id) VALUES (?, ?, ?, ?, ?)')
      .run(id, email, passwordHash, nowIso, ownerContactId);
    if (ownerContactId !== null) this.appendChange('guardian', ownerContactId);
    return id;
  }

  addChild(accountId: string, patientId: string): void {
    this.sqlitePrepared('INSERT OR IGNORE INTO portal_account_children (account_id, patient_id) VALUES (?, ?)').run(accountId, patientId);
  }

  /** The account a patient is already on, if any. */
  accountOfPatient(patientId: string): string | null {
    return (
      (this.sqlitePrepared('SELECT account_id FROM portal_account_children WHERE patient_id = ? LIMIT 1').pluck().get(patientId) as string | undefined) ?? null
    );
  }

  childrenOf(accountId: string): PatientName[] {
    const rows = this.sqlite
      .prepare(
        `SELECT c.patient_id AS id, p.first_name, p.last_name, p.date_of_birth, p.version
           FROM portal_account_children c LEFT JOIN patients p ON p.id = c.patient_id
          WHERE c.account_id = ? ORDER BY c.rowid`,
      )
      .all(accountId) as { id: string; first_name: string | null; last_name: string | null; date_of_birth: string | null; version: number | null }[];
    return rows.map((r) => ({ id: r.id, firstName: r.first_name ?? '', lastName: r.last_name ?? '', dateOfBirth: r.date_of_birth, version: r.version ?? 0 }));
  }

  allAccounts(): { id: string; email: string; ownerContactId: string | null; childPatientIds: string[] }[] {
    const accounts = this.sqlitePrepared('SELECT id, email, owner_contact_id FROM portal_accounts ORDER BY rowid').all() as {
      id: string;
      email: string;
      owner_contact_id: string | null;
    }[];
    const children = this.sqlitePrepared('SELECT patient_id FROM portal_account_children WHERE account_id = ? ORDER BY rowid').pluck();
    return accounts.map((a) => ({ id: a.id, email: a.email, ownerContactId: a.owner_contact_id, childPatientIds: children.all(a.id) as string[] }));
  }

  allWelcomes(): WelcomeRow[] {
    return this.sqlitePrepared('SELECT * FROM portal_welcomes ORDER BY granted_at, contact_id').all() as WelcomeRow[];
  }

  // ---- failed attempts (rate limiting) ----------------------------------------------------------

  failuresSince(key: string, sinceIso: string): number {
    return this.sqlitePrepared('SELECT count(*) FROM portal_attempts WHERE key = ? AND at > ?').pluck().get(key, sinceIso) as number;
  }

  recordFailure(key: string, nowIso: string, pruneBeforeIso: string): void {
    this.sqlitePrepared('DELETE FROM portal_attempts WHERE at <= ?').run(pruneBeforeIso);
    this.sqlitePrepared('INSERT INTO portal_attempts (key, at) VALUES (?, ?)').run(key, nowIso);
  }
}
