import type BetterSqlite3 from 'better-sqlite3';
import type { AppointmentRecord, ContactRecord, FamilyRecord, PatientContactRecord, PatientRecord } from '../../../shared/sync/protocol';

/**
 * The practice records the reference portal sends in a change page, read by id from the tables it shares
 * with the app's schema. `prepare` is the store's cache of prepared statements.
 */

export type Prepare = (sql: string) => BetterSqlite3.Statement;

const flag = (value: unknown) => value === 1;

export function familyRecord(prepare: Prepare, id: string): FamilyRecord | null {
  const r = prepare('SELECT id, name, version, updated_at FROM families WHERE id = ?').get(id) as
    | { id: string; name: string; version: number; updated_at: string }
    | undefined;
  return r ? { id: r.id, name: r.name, version: r.version, updatedAt: r.updated_at } : null;
}

export function patientRecord(prepare: Prepare, id: string): PatientRecord | null {
  const r = prepare('SELECT * FROM patients WHERE id = ?').get(id) as Record<string, unknown> | undefined;
  if (!r) return null;
  return {
    id: r.id as string,
    chartNumber: r.chart_number as string,
    familyId: (r.family_id as string | null) ?? null,
    firstName: r.first_name as string,
    lastName: r.last_name as string,
    dateOfBirth: (r.date_of_birth as string | null) ?? null,
    sex: (r.sex as PatientRecord['sex']) ?? null,
    status: r.status as PatientRecord['status'],
    portalLinked: flag(r.portal_linked),
    version: r.version as number,
    updatedAt: r.updated_at as string,
  };
}

export function contactRecord(prepare: Prepare, id: string): ContactRecord | null {
  const r = prepare('SELECT * FROM contacts WHERE id = ?').get(id) as Record<string, unknown> | undefined;
  if (!r) return null;
  return {
    id: r.id as string,
    firstName: r.first_name as string,
    lastName: r.last_name as string,
    email: (r.email as string | null) ?? null,
    mobilePhone: (r.mobile_phone as string | null) ?? null,
    homePhone: (r.home_phone as string | null) ?? null,
    preferredReminder: (r.preferred_reminder as ContactRecord['preferredReminder']) ?? null,
    language: r.language as string,
    hasPortalAccount: flag(r.has_portal_account),
    version: r.version as number,
    updatedAt: r.updated_at as string,
  };
}

export function patientContactRecord(prepare: Prepare, recordId: string): PatientContactRecord | null {
  const split = recordId.indexOf(':');
  if (split < 0) return null;
  const r = prepare('SELECT * FROM patient_contacts WHERE patient_id = ? AND contact_id = ?').get(recordId.slice(0, split), recordId.slice(split + 1)) as
    | Record<string, unknown>
    | undefined;
  if (!r) return null;
  return {
    patientId: r.patient_id as string,
    contactId: r.contact_id as string,
    sort: (r.sort as number | null) ?? null,
    relationship: r.relationship as string,
    authority: (r.authority as PatientContactRecord['authority']) ?? null,
    residesWith: flag(r.resides_with),
    portalFlag: flag(r.portal_flag),
  };
}

export function appointmentRecord(prepare: Prepare, id: string): AppointmentRecord | null {
  const r = prepare('SELECT id, patient_id, starts_at, provider, reason, updated_at FROM appointments WHERE id = ?').get(id) as
    | { id: string; patient_id: string; starts_at: string; provider: string; reason: string; updated_at: string }
    | undefined;
  return r ? { id: r.id, patientId: r.patient_id, startsAt: r.starts_at, provider: r.provider, reason: r.reason, updatedAt: r.updated_at } : null;
}
