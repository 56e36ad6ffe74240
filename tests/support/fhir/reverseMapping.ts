/**
 * The mirror's records → US Core R4 resources: the reverse of mapping.ts, used to seed the FHIR
 * test server (tests/support/fhir) from the demo practice so the demo can be loaded over FHIR end
 * to end. Pure. What FHIR has no element for travels in the configured extensions, written
 * explicitly (an empty Authority or Sort as the code "unknown"), so the forward mapping infers nothing.
 *
 * - A family → a household Group (type person, the household code) listing its patients; each
 *   family gets one made-up home address that its patients and the contacts residing with them
 *   share (the mirror keeps no addresses).
 * - A Family Contact linked to three children → three RelatedPersons (FHIR's RelatedPerson names
 *   one patient), id `<contact id>-<patient id>`, sharing the identifier of contactIdentifierSystem.
 */
import type { Address, Appointment, Extension, Group, Patient, RelatedPerson } from '@medplum/fhirtypes';
import { MR_TYPE, type FhirMappingConfig } from '../../../shared/fhir/mappingConfig';
import { relationshipOfWords } from '../../../shared/fhir/relationships';
import type { AppointmentRecord, ContactRecord, FamilyRecord, PatientContactRecord, PatientRecord } from '../../../shared/sync/protocol';
import { AUTHORITY_EMPTY } from '../../../electron/main/fhir/mapping';
import { instantOfWallTime } from '../../../electron/main/fhir/wallTime';

/** The made-up home address of a family: the same family, the same address. */
export function householdAddress(familyId: string): Address {
  let h = 0;
  for (const ch of familyId) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return { use: 'home', line: [`${100 + (h % 9000)} Maple Grove Road`, `Unit ${familyId}`], city: 'Springfield', state: 'IL', postalCode: '62704' };
}

const word = (url: string, valueCode: string): Extension => ({ url, valueCode });

export function patientToFhir(p: PatientRecord, config: FhirMappingConfig): Patient & { id: string } {
  const ext = config.extensions;
  const extension: Extension[] = [];
  // Active, Inactive and Deceased are standard elements; the practice's own statuses need the extension.
  if (p.status !== 'Active' && p.status !== 'Inactive' && p.status !== 'Deceased') extension.push(word(ext.patientStatus, p.status));
  if (p.portalLinked) extension.push({ url: ext.portalLinked, valueBoolean: true });
  return {
    resourceType: 'Patient',
    id: p.id,
    meta: { profile: ['http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient'] },
    ...(extension.length > 0 ? { extension } : {}),
    identifier: [
      { use: 'usual', type: { coding: [{ ...MR_TYPE }] }, ...(config.chartNumberSystem ? { system: config.chartNumberSystem } : {}), value: p.chartNumber },
    ],
    active: p.status === 'Active',
    name: [{ use: 'official', family: p.lastName, given: p.firstName === '' ? [] : [p.firstName] }],
    ...(p.sex === null ? {} : { gender: p.sex === 'F' ? 'female' : p.sex === 'M' ? 'male' : 'other' }),
    ...(p.dateOfBirth === null ? {} : { birthDate: p.dateOfBirth }),
    ...(p.status === 'Deceased' ? { deceasedBoolean: true } : {}),
    ...(p.familyId === null ? {} : { address: [householdAddress(p.familyId)] }),
  };
}

export function relatedPersonId(contactId: string, patientId: string): string {
  return `${contactId}-${patientId}`;
}

/** One Family Contact as linked to one patient. `patientFamilyId`: where the patient lives (for the address). */
export function relatedPersonToFhir(
  contact: ContactRecord,
  link: PatientContactRecord,
  patientFamilyId: string | null,
  config: FhirMappingConfig,
): RelatedPerson & { id: string } {
  const ext = config.extensions;
  const extension: Extension[] = [word(ext.authority, link.authority ?? AUTHORITY_EMPTY), { url: ext.residesWith, valueBoolean: link.residesWith }];
  extension.push(link.sort === null ? word(ext.sortOrder, AUTHORITY_EMPTY) : { url: ext.sortOrder, valueInteger: link.sort });
  if (link.portalFlag) extension.push({ url: ext.portalFlag, valueBoolean: true });
  if (contact.preferredReminder !== null) extension.push(word(ext.preferredReminder, contact.preferredReminder));
  if (contact.hasPortalAccount) extension.push({ url: ext.hasPortalAccount, valueBoolean: true });
  const known = relationshipOfWords(link.relationship);
  const telecom: RelatedPerson['telecom'] = [];
  if (contact.email !== null) telecom.push({ system: 'email', use: 'home', value: contact.email });
  if (contact.mobilePhone !== null) telecom.push({ system: 'phone', use: 'mobile', value: contact.mobilePhone });
  if (contact.homePhone !== null) telecom.push({ system: 'phone', use: 'home', value: contact.homePhone });
  return {
    resourceType: 'RelatedPerson',
    id: relatedPersonId(contact.id, link.patientId),
    meta: { profile: ['http://hl7.org/fhir/us/core/StructureDefinition/us-core-relatedperson'] },
    extension,
    identifier: [{ system: config.contactIdentifierSystem, value: contact.id }],
    active: true,
    patient: { reference: `Patient/${link.patientId}` },
    relationship: [
      known ? { coding: [{ system: known.system, code: known.code, display: known.words }], text: link.relationship } : { text: link.relationship },
    ],
    name: [{ use: 'official', family: contact.lastName, given: contact.firstName === '' ? [] : [contact.firstName] }],
    ...(telecom.length > 0 ? { telecom } : {}),
    ...(link.residesWith && patientFamilyId !== null ? { address: [householdAddress(patientFamilyId)] } : {}),
    communication: [{ language: { coding: [{ system: 'urn:ietf:bcp:47', code: contact.language }] }, preferred: true }],
  };
}

export function householdToFhir(family: FamilyRecord, memberIds: readonly string[], config: FhirMappingConfig): Group & { id: string } {
  return {
    resourceType: 'Group',
    id: family.id,
    type: 'person',
    actual: true,
    code: { coding: [{ system: config.householdCode.system, code: config.householdCode.code }], text: 'household' },
    name: family.name,
    quantity: memberIds.length,
    member: memberIds.map((id) => ({ entity: { reference: `Patient/${id}` } })),
  };
}

export function appointmentToFhir(a: AppointmentRecord, config: FhirMappingConfig): Appointment & { id: string } {
  const start = instantOfWallTime(a.startsAt, config.timeZone);
  return {
    resourceType: 'Appointment',
    id: a.id,
    status: 'booked',
    start,
    end: new Date(Date.parse(start) + 15 * 60_000).toISOString(),
    ...(a.reason === '' ? {} : { reasonCode: [{ text: a.reason }] }),
    participant: [
      { actor: { reference: `Patient/${a.patientId}` }, status: 'accepted' },
      ...(a.provider === '' ? [] : [{ actor: { reference: `Practitioner/${practitionerId(a.provider)}`, display: a.provider }, status: 'accepted' as const }]),
    ],
  };
}

/** "Dr. Ana Ortiz" → "dr-ana-ortiz": the made-up Practitioner a provider's name points at. */
export function practitionerId(name: string): string {
  return (
    name
      .toLowerCase()
      .normalize('NFD')
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 64) || 'provider'
  );
}
