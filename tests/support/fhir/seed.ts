import type BetterSqlite3 from 'better-sqlite3';
import type { MemoryRepository } from '@medplum/fhir-router';
import type { Resource } from '@medplum/fhirtypes';
import { appointmentToFhir, householdToFhir, patientToFhir, relatedPersonToFhir } from './reverseMapping';
import type { FhirMappingConfig } from '../../../shared/fhir/mappingConfig';
import type { AppointmentRecord, ContactRecord, FamilyRecord, PatientContactRecord, PatientRecord } from '../../../shared/sync/protocol';

/**
 * Fills the FHIR test server's repository from a mirror (the demo practice, seeded into a SQLite
 * file by seedDemoPractice) through the reverse mapping: a Patient per patient, a RelatedPerson
 * per Family Contact link, a household Group per family, an Appointment per appointment, and the
 * roster Group `ROSTER_GROUP_ID` listing every patient (for Group/[id]/$export).
 */

export const ROSTER_GROUP_ID = 'practice-roster';

export interface SeedCounts {
  patients: number;
  relatedPersons: number;
  households: number;
  appointments: number;
}

const flag = (v: unknown) => v === 1;

export async function seedFhirFromMirror(repo: MemoryRepository, mirror: BetterSqlite3.Database, config: FhirMappingConfig): Promise<SeedCounts> {
  const counts: SeedCounts = { patients: 0, relatedPersons: 0, households: 0, appointments: 0 };
  const put = (resource: Resource) => repo.createResource(resource);

  const patientIds: string[] = [];
  const familyOf = new Map<string, string | null>();
  // One pass per table; the seed owns the connection, so an open iterator across awaits is safe.
  for (const r of mirror.prepare('SELECT * FROM patients ORDER BY rowid').iterate() as IterableIterator<Record<string, unknown>>) {
    const p: PatientRecord = {
      id: String(r.id),
      chartNumber: String(r.chart_number),
      familyId: (r.family_id as string | null) ?? null,
      firstName: String(r.first_name),
      lastName: String(r.last_name),
      dateOfBirth: (r.date_of_birth as string | null) ?? null,
      sex: (r.sex as PatientRecord['sex']) ?? null,
      status: r.status as PatientRecord['status'],
      portalLinked: flag(r.portal_linked),
      version: Number(r.version),
      updatedAt: String(r.updated_at),
    };
    await put(patientToFhir(p, config));
    patientIds.push(p.id);
    familyOf.set(p.id, p.familyId);
    counts.patients += 1;
  }

  const links = mirror
    .prepare(
      `SELECT l.*, c.first_name, c.last_name, c.email, c.mobile_phone, c.home_phone, c.preferred_reminder, c.language,
              c.has_portal_account, c.version, c.updated_at
         FROM patient_contacts l JOIN contacts c ON c.id = l.contact_id ORDER BY l.patient_id, l.contact_id`,
    )
    .iterate() as IterableIterator<Record<string, unknown>>;
  for (const r of links) {
    const contact: ContactRecord = {
      id: String(r.contact_id),
      firstName: String(r.first_name),
      lastName: String(r.last_name),
      email: (r.email as string | null) ?? null,
      mobilePhone: (r.mobile_phone as string | null) ?? null,
      homePhone: (r.home_phone as string | null) ?? null,
      preferredReminder: (r.preferred_reminder as ContactRecord['preferredReminder']) ?? null,
      language: String(r.language),
      hasPortalAccount: flag(r.has_portal_account),
      version: Number(r.version),
      updatedAt: String(r.updated_at),
    };
    const link: PatientContactRecord = {
      patientId: String(r.patient_id),
      contactId: contact.id,
      sort: (r.sort as number | null) ?? null,
      relationship: String(r.relationship),
      authority: (r.authority as PatientContactRecord['authority']) ?? null,
      residesWith: flag(r.resides_with),
      portalFlag: flag(r.portal_flag),
    };
    await put(relatedPersonToFhir(contact, link, familyOf.get(link.patientId) ?? null, config));
    counts.relatedPersons += 1;
  }

  const members = new Map<string, string[]>();
  for (const [patientId, familyId] of familyOf) {
    if (familyId === null) continue;
    const list = members.get(familyId) ?? [];
    list.push(patientId);
    members.set(familyId, list);
  }
  for (const r of mirror.prepare('SELECT * FROM families ORDER BY rowid').all() as Record<string, unknown>[]) {
    const family: FamilyRecord = { id: String(r.id), name: String(r.name), version: Number(r.version), updatedAt: String(r.updated_at) };
    await put(householdToFhir(family, members.get(family.id) ?? [], config));
    counts.households += 1;
  }

  for (const r of mirror.prepare('SELECT * FROM appointments ORDER BY rowid').iterate() as IterableIterator<Record<string, unknown>>) {
    const a: AppointmentRecord = {
      id: String(r.id),
      patientId: String(r.patient_id),
      startsAt: String(r.starts_at),
      provider: String(r.provider),
      reason: String(r.reason),
      updatedAt: String(r.updated_at),
    };
    await put(appointmentToFhir(a, config));
    counts.appointments += 1;
  }

  await put({
    resourceType: 'Group',
    id: ROSTER_GROUP_ID,
    type: 'person',
    actual: true,
    code: { coding: [{ code: 'roster' }], text: 'Every patient of the practice' },
    name: 'Practice roster',
    quantity: patientIds.length,
    member: patientIds.map((id) => ({ entity: { reference: `Patient/${id}` } })),
  });
  return counts;
}
