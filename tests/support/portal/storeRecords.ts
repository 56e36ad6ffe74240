import type BetterSqlite3 from 'better-sqlite3';
import type { AppointmentRecord, ContactRecord, FamilyRecord, PatientContactRecord, PatientRecord } from '../../../shared/sync/protocol';

/**
 * The practice records the reference portal sends in a change page, read by id from the tables it shares
 * with the app's schema. `prepare` is the store's cache of prepared statements. The SQL names each column
 * as the record does; the flags (0/1 in SQLite) become booleans.
 */

export type Prepare = (sql: string) => BetterSqlite3.Statement;

function readRecord<T>(prepare: Prepare, sql: string, args: unknown[], flags: readonly (keyof T & string)[] = []): T | null {
  const row = prepare(sql).get(...args) as Record<string, unknown> | undefined;
  if (!row) return null;
  for (const flag of flags) row[flag] = row[flag] === 1;
  return row as T;
}

export const familyRecord = (prepare: Prepare, id: string) =>
  readRecord<FamilyRecord>(prepare, 'SELECT id, name, version, updated_at AS updatedAt FROM families WHERE id = ?', [id]);

export const patientRecord = (prepare: Prepare, id: string) =>
  readRecord<PatientRecord>(
    prepare,
    `SELECT id, chart_number AS chartNumber, family_id AS familyId, first_name AS firstName, last_name AS lastName,
            date_of_birth AS dateOfBirth, sex, status, portal_linked AS portalLinked, version, updated_at AS updatedAt
       FROM patients WHERE id = ?`,
    [id],
    ['portalLinked'],
  );

export const contactRecord = (prepare: Prepare, id: string) =>
  readRecord<ContactRecord>(
    prepare,
    `SELECT id, first_name AS firstName, last_name AS lastName, email, mobile_phone AS mobilePhone, home_phone AS homePhone,
            preferred_reminder AS preferredReminder, language, has_portal_account AS hasPortalAccount, version, updated_at AS updatedAt
       FROM contacts WHERE id = ?`,
    [id],
    ['hasPortalAccount'],
  );

/** `recordId`: "patientId:contactId". */
export function patientContactRecord(prepare: Prepare, recordId: string): PatientContactRecord | null {
  const split = recordId.indexOf(':');
  if (split < 0) return null;
  return readRecord<PatientContactRecord>(
    prepare,
    `SELECT patient_id AS patientId, contact_id AS contactId, sort, relationship, authority,
            resides_with AS residesWith, portal_flag AS portalFlag
       FROM patient_contacts WHERE patient_id = ? AND contact_id = ?`,
    [recordId.slice(0, split), recordId.slice(split + 1)],
    ['residesWith', 'portalFlag'],
  );
}

export const appointmentRecord = (prepare: Prepare, id: string) =>
  readRecord<AppointmentRecord>(
    prepare,
    'SELECT id, patient_id AS patientId, starts_at AS startsAt, provider, reason, updated_at AS updatedAt FROM appointments WHERE id = ?',
    [id],
  );
