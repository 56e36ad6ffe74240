/**
 * US Core R4 → the mirror's records (shared/sync/protocol.ts): the one place that says what a
 * FHIR element becomes at the desk. Pure: no database, no clock (the caller gives `now` for
 * resources without meta.lastUpdated). The table of rules is docs/fhir-mapping.md; the reverse
 * (mirror → FHIR, to seed the test server) is tests/support/fhir/reverseMapping.ts.
 *
 * - Patient → patientRecord: the chart number from the identifier of the configured system (else
 *   the v2-0203 `MR` identifier), the official name, birthDate (a partial date is no date),
 *   gender, and the status: `link` replaced-by → a Merged tombstone; deceased[x] → Deceased; the
 *   status extension (Transferred, In Collections...) → that; active false → Inactive; else Active.
 * - RelatedPerson and Patient.contact → contactRecord + a link draft. A RelatedPerson names one
 *   patient, so one guardian of three children is three RelatedPersons: they are one contact
 *   when they share the identifier of `contactIdentifierSystem`, else each is its own contact.
 * - A patient's link drafts are settled together (settleLinks): Authority, Sort and Resides-with
 *   from their extensions, else inferred (Authority from the relationship, Sort by role, Resides
 *   with by address match) and the inference listed so an administrator confirms it.
 * - Appointment → appointmentRecord (the Patient participant, start in the practice's wall time);
 *   cancelled, no-show and entered-in-error → an appointment tombstone.
 * - Group of type person with the household code → familyRecord and its members.
 */
import type {
  Address,
  Appointment,
  CodeableConcept,
  ContactPoint,
  Extension,
  Group,
  HumanName,
  Identifier,
  Meta,
  Patient,
  PatientContact,
  RelatedPerson,
} from '@medplum/fhirtypes';
import { AUTHORITIES, PATIENT_STATUSES, REMINDER_METHODS, type Authority, type PatientStatus, type ReminderMethod } from '../../../shared/domain/patient';
import { MR_TYPE, type FhirMappingConfig } from '../../../shared/fhir/mappingConfig';
import { defaultAuthority, relationshipOfCode, ROLE_RANK, roleOfWords, type RelationshipRole } from '../../../shared/fhir/relationships';
import type { AppointmentRecord, ContactRecord, FamilyRecord, PatientContactRecord, PatientRecord, Tombstone } from '../../../shared/sync/protocol';
import { wallTimeIn } from './wallTime';

export interface MappingContext {
  config: FhirMappingConfig;
  /** ISO instant for resources without meta.lastUpdated. */
  now: string;
}

// ---- small readers ----------------------------------------------------------------------

/** version: meta.lastUpdated in milliseconds, so a later change always has a higher version. */
export function versionOf(meta: Meta | undefined): number {
  const ms = meta?.lastUpdated ? Date.parse(meta.lastUpdated) : Number.NaN;
  return Number.isNaN(ms) ? 1 : ms;
}

function updatedAtOf(meta: Meta | undefined, now: string): string {
  const ms = meta?.lastUpdated ? Date.parse(meta.lastUpdated) : Number.NaN;
  return Number.isNaN(ms) ? now : new Date(ms).toISOString();
}

function extension(extensions: Extension[] | undefined, url: string): Extension | undefined {
  return extensions?.find((e) => e.url === url);
}

function extensionWord(extensions: Extension[] | undefined, url: string): string | undefined {
  const e = extension(extensions, url);
  const value = e?.valueCode ?? e?.valueString ?? e?.valueCoding?.code;
  return typeof value === 'string' ? value.trim() : undefined;
}

function extensionBoolean(extensions: Extension[] | undefined, url: string): boolean | undefined {
  const value = extension(extensions, url)?.valueBoolean;
  return typeof value === 'boolean' ? value : undefined;
}

function extensionInteger(extensions: Extension[] | undefined, url: string): number | undefined {
  const e = extension(extensions, url);
  const value = e?.valueInteger ?? e?.valuePositiveInt ?? e?.valueUnsignedInt;
  return typeof value === 'number' && Number.isInteger(value) ? value : undefined;
}

/** A word of a closed list, matched without regard to case ("in collections" → "In Collections"). */
function oneOf<T extends string>(list: readonly T[], word: string | undefined): T | undefined {
  if (word === undefined) return undefined;
  return list.find((item) => item.toLowerCase() === word.toLowerCase());
}

/** The id a reference points at, if it is of that type ("Patient/pat-1" → "pat-1"). */
export function referencedId(reference: string | undefined, type: string): string | null {
  if (!reference) return null;
  const parts = reference.split('/');
  const at = parts.lastIndexOf(type);
  return at >= 0 && at === parts.length - 2 && parts[at + 1] ? parts[at + 1]! : null;
}

/** The official name, else a usual one or one without a use, else the first; never an old one. */
export function pickName(names: HumanName[] | undefined): { firstName: string; lastName: string } {
  const usable = (names ?? []).filter((n) => n.use !== 'old' && n.use !== 'anonymous');
  const name = usable.find((n) => n.use === 'official') ?? usable.find((n) => n.use === 'usual' || n.use === undefined) ?? usable[0];
  return { firstName: (name?.given ?? []).join(' ').trim(), lastName: (name?.family ?? '').trim() };
}

export function chartNumberOf(identifiers: Identifier[] | undefined, config: FhirMappingConfig): string {
  const list = identifiers ?? [];
  const chosen = config.chartNumberSystem
    ? list.find((i) => i.system === config.chartNumberSystem)
    : list.find((i) => i.type?.coding?.some((c) => c.code === MR_TYPE.code && (c.system === undefined || c.system === MR_TYPE.system)));
  return (chosen?.value ?? '').trim();
}

function telecom(points: ContactPoint[] | undefined, system: ContactPoint['system'][], use?: ContactPoint['use']): string | null {
  const list = (points ?? []).filter((p) => system.includes(p.system) && p.value && (use === undefined || p.use === use) && !p.period?.end);
  list.sort((a, b) => (a.rank ?? 1e9) - (b.rank ?? 1e9));
  return list[0]?.value?.trim() ?? null;
}

/** "en-US" → "en". The first preferred language, else the first; English when none. */
function languageOf(communication: { language?: CodeableConcept; preferred?: boolean }[] | undefined): string {
  const list = communication ?? [];
  const chosen = list.find((c) => c.preferred) ?? list[0];
  const code = chosen?.language?.coding?.[0]?.code ?? chosen?.language?.text ?? 'en';
  return (code.split('-')[0] ?? 'en').toLowerCase().slice(0, 8) || 'en';
}

/**
 * The household address, compared loosely: the first current home (or unspecified) address's
 * lines and 5-digit ZIP, lower-case, punctuation and spacing folded. Null without a line.
 */
export function addressKey(addresses: Address[] | undefined): string | null {
  const current = (addresses ?? []).filter((a) => a.use !== 'old' && a.use !== 'work' && a.use !== 'billing' && !a.period?.end);
  const a = current.find((x) => x.use === 'home') ?? current[0];
  const lines = (a?.line ?? []).join(' ');
  const fold = (s: string) =>
    s
      .toLowerCase()
      .replace(/[^\p{L}\p{N}]+/gu, ' ')
      .trim();
  if (!a || fold(lines) === '') return null;
  return `${fold(lines)}|${(a.postalCode ?? '').replace(/\D/g, '').slice(0, 5)}`;
}

// ---- Patient ------------------------------------------------------------------------------

export type PatientOutcome = { kind: 'patient'; record: PatientRecord; addressKey: string | null } | { kind: 'merged'; tombstone: Tombstone };

/** The status of a patient resource (not merged): deceased, then the extension, then active. */
export function patientStatusOf(patient: Patient, config: FhirMappingConfig): PatientStatus {
  if (patient.deceasedBoolean === true || typeof patient.deceasedDateTime === 'string') return 'Deceased';
  const fromExtension = oneOf(PATIENT_STATUSES, extensionWord(patient.extension, config.extensions.patientStatus));
  if (fromExtension) return fromExtension;
  return patient.active === false ? 'Inactive' : 'Active';
}

export function mapPatient(patient: Patient & { id: string }, familyId: string | null, ctx: MappingContext): PatientOutcome {
  const replacedBy = patient.link?.find((l) => l.type === 'replaced-by');
  if (replacedBy) {
    return { kind: 'merged', tombstone: { kind: 'patient', id: patient.id, mergedInto: referencedId(replacedBy.other?.reference, 'Patient') } };
  }
  const { firstName, lastName } = pickName(patient.name);
  const birthDate = patient.birthDate && /^\d{4}-\d{2}-\d{2}$/.test(patient.birthDate) ? patient.birthDate : null;
  const sex = patient.gender === 'female' ? 'F' : patient.gender === 'male' ? 'M' : patient.gender === 'other' ? 'X' : null;
  return {
    kind: 'patient',
    addressKey: addressKey(patient.address),
    record: {
      id: patient.id,
      chartNumber: chartNumberOf(patient.identifier, ctx.config),
      familyId,
      firstName,
      lastName,
      dateOfBirth: birthDate,
      sex,
      status: patientStatusOf(patient, ctx.config),
      portalLinked: extensionBoolean(patient.extension, ctx.config.extensions.portalLinked) ?? false,
      version: versionOf(patient.meta),
      updatedAt: updatedAtOf(patient.meta, ctx.now),
    },
  };
}

// ---- RelatedPerson and Patient.contact ----------------------------------------------------

/** The code of the Authority or Sort extension for "the chart's field is empty" (valueCode). */
export const AUTHORITY_EMPTY = 'unknown';

/** A Family Contact link before its patient's other links are known (see settleLinks). */
export interface LinkDraft {
  patientId: string;
  contactId: string;
  relationship: string;
  role: RelationshipRole;
  /** undefined: no extension said (inferred by settleLinks). */
  authority: Authority | null | undefined;
  /** undefined: no extension said (inferred); null: the extension says the chart's Sort is empty. */
  sort: number | null | undefined;
  residesWith: boolean | undefined;
  portalFlag: boolean;
  addressKey: string | null;
  /** Patient.contact entries come first, in their order; then RelatedPersons. */
  order: number;
}

export type ContactOutcome =
  | { kind: 'contact'; contact: ContactRecord; link: LinkDraft }
  | { kind: 'removed'; tombstone: Tombstone }
  | { kind: 'unusable'; problem: string };

/** The relationship words and role of the first code the desk knows, else of the text. */
export function relationshipOf(concepts: CodeableConcept[] | undefined): { words: string; role: RelationshipRole } {
  for (const concept of concepts ?? []) {
    for (const coding of concept.coding ?? []) {
      const known = coding.code ? relationshipOfCode(coding.system, coding.code) : undefined;
      if (known) return { words: known.words, role: known.role };
    }
  }
  const text = concepts?.map((c) => c.text ?? c.coding?.find((x) => x.display)?.display).find((t) => t) ?? '';
  return { words: text.trim().slice(0, 40), role: roleOfWords(text) };
}

interface PersonFields {
  extension?: Extension[];
  name?: HumanName[];
  telecom?: ContactPoint[];
  communication?: { language?: CodeableConcept; preferred?: boolean }[];
  relationship?: CodeableConcept[];
  address?: Address | Address[];
  meta?: Meta;
}

function contactAndLink(person: PersonFields, contactId: string, patientId: string, order: number, ctx: MappingContext): ContactOutcome {
  const ext = ctx.config.extensions;
  const { firstName, lastName } = pickName(person.name);
  const { words, role } = relationshipOf(person.relationship);
  const authorityWord = extensionWord(person.extension, ext.authority);
  // "unknown" (or an empty string) says the chart's Authority is empty: no default is inferred.
  const authority =
    authorityWord === undefined
      ? undefined
      : authorityWord === '' || authorityWord.toLowerCase() === AUTHORITY_EMPTY
        ? null
        : (oneOf(AUTHORITIES, authorityWord) ?? undefined);
  const addresses = person.address === undefined ? undefined : Array.isArray(person.address) ? person.address : [person.address];
  return {
    kind: 'contact',
    contact: {
      id: contactId,
      firstName,
      lastName,
      email: telecom(person.telecom, ['email']),
      mobilePhone: telecom(person.telecom, ['phone', 'sms'], 'mobile'),
      homePhone: telecom(person.telecom, ['phone'], 'home'),
      preferredReminder: (oneOf(REMINDER_METHODS, extensionWord(person.extension, ext.preferredReminder)) ?? null) as ReminderMethod | null,
      language: languageOf(person.communication),
      hasPortalAccount: extensionBoolean(person.extension, ext.hasPortalAccount) ?? false,
      version: versionOf(person.meta),
      updatedAt: updatedAtOf(person.meta, ctx.now),
    },
    link: {
      patientId,
      contactId,
      relationship: words,
      role,
      authority,
      sort: extensionWord(person.extension, ext.sortOrder)?.toLowerCase() === AUTHORITY_EMPTY ? null : extensionInteger(person.extension, ext.sortOrder),
      residesWith: extensionBoolean(person.extension, ext.residesWith),
      portalFlag: extensionBoolean(person.extension, ext.portalFlag) ?? false,
      addressKey: addressKey(addresses),
      order,
    },
  };
}

/**
 * A guardian for deriving households: a parent or legal guardian by relationship, or anyone the
 * EHR's extensions give Joint or Exclusive authority or residence with the child.
 */
export function isGuardian(person: RelatedPerson, config: FhirMappingConfig): boolean {
  const role = relationshipOf(person.relationship).role;
  if (role === 'parent' || role === 'guardian') return true;
  const authority = oneOf(AUTHORITIES, extensionWord(person.extension, config.extensions.authority));
  return authority === 'Joint' || authority === 'Exclusive' || extensionBoolean(person.extension, config.extensions.residesWith) === true;
}

/** The contact id of a RelatedPerson: the person's identifier of the configured system, else the resource id. */
export function contactIdOf(person: RelatedPerson & { id: string }, config: FhirMappingConfig): string {
  const shared = config.contactIdentifierSystem ? person.identifier?.find((i) => i.system === config.contactIdentifierSystem)?.value?.trim() : undefined;
  return shared || person.id;
}

export function mapRelatedPerson(person: RelatedPerson & { id: string }, ctx: MappingContext): ContactOutcome {
  const patientId = referencedId(person.patient?.reference, 'Patient');
  if (patientId === null) return { kind: 'unusable', problem: 'names no patient (patient.reference is not Patient/<id>)' };
  const contactId = contactIdOf(person, ctx.config);
  if (person.active === false) return { kind: 'removed', tombstone: { kind: 'patientContact', id: `${patientId}:${contactId}` } };
  return contactAndLink({ ...person, meta: person.meta }, contactId, patientId, 1000, ctx);
}

/** Patient.contact entries: each its own contact, id `<patient id>.c<n>` (or `.<element id>`). */
export function mapPatientContacts(patient: Patient & { id: string }, ctx: MappingContext): ContactOutcome[] {
  return (patient.contact ?? []).map((c: PatientContact, index) => {
    const contactId = `${patient.id}.${c.id ? c.id : `c${index + 1}`}`;
    return contactAndLink({ ...c, name: c.name ? [c.name] : undefined, meta: patient.meta }, contactId, patient.id, index, ctx);
  });
}

/** What settleLinks had to infer for one link, for the data-quality worklist. */
export interface LinkInference {
  patientId: string;
  contactId: string;
  authority: boolean;
  sort: boolean;
  residesWith: boolean;
}

/**
 * One patient's links, settled together. Each field its extension gave stays; otherwise:
 * - Authority: parents and legal guardians Joint, anyone else empty (defaultAuthority);
 * - Sort: after the sorts given, by role (parents and guardians first), then Patient.contact
 *   order, then contact id; numbered from the next free number;
 * - Resides with: the contact's address matches the patient's (false when either has none).
 */
export function settleLinks(drafts: readonly LinkDraft[], patientAddress: string | null): { links: PatientContactRecord[]; inferred: LinkInference[] } {
  const taken = new Set(drafts.map((d) => d.sort).filter((s): s is number => typeof s === 'number'));
  const unsorted = drafts
    .filter((d) => d.sort === undefined)
    .sort((a, b) => ROLE_RANK[a.role] - ROLE_RANK[b.role] || a.order - b.order || (a.contactId < b.contactId ? -1 : a.contactId > b.contactId ? 1 : 0));
  const inferredSort = new Map<LinkDraft, number>();
  let next = 1;
  for (const d of unsorted) {
    while (taken.has(next)) next += 1;
    inferredSort.set(d, next);
    taken.add(next);
  }
  const links: PatientContactRecord[] = [];
  const inferred: LinkInference[] = [];
  for (const d of drafts) {
    const authority = d.authority === undefined ? defaultAuthority(d.role) : d.authority;
    const residesWith = d.residesWith ?? (patientAddress !== null && d.addressKey === patientAddress);
    links.push({
      patientId: d.patientId,
      contactId: d.contactId,
      sort: d.sort === undefined ? (inferredSort.get(d) ?? null) : d.sort,
      relationship: d.relationship,
      authority,
      residesWith,
      portalFlag: d.portalFlag,
    });
    if (d.authority === undefined || d.sort === undefined || d.residesWith === undefined) {
      inferred.push({
        patientId: d.patientId,
        contactId: d.contactId,
        authority: d.authority === undefined,
        sort: d.sort === undefined,
        residesWith: d.residesWith === undefined,
      });
    }
  }
  return { links, inferred };
}

// ---- Appointment, Group ---------------------------------------------------------------------

const GONE = new Set(['cancelled', 'noshow', 'entered-in-error']);

export type AppointmentOutcome =
  | { kind: 'appointment'; record: AppointmentRecord }
  | { kind: 'removed'; tombstone: Tombstone }
  | { kind: 'unusable'; problem: string };

export function mapAppointment(appointment: Appointment & { id: string }, ctx: MappingContext): AppointmentOutcome {
  if (GONE.has(appointment.status)) return { kind: 'removed', tombstone: { kind: 'appointment', id: appointment.id } };
  const participants = appointment.participant ?? [];
  const patientId = participants.map((p) => referencedId(p.actor?.reference, 'Patient')).find((id) => id !== null) ?? null;
  if (patientId === null) return { kind: 'unusable', problem: 'has no Patient participant' };
  const startsAt = appointment.start ? wallTimeIn(appointment.start, ctx.config.timeZone) : null;
  if (startsAt === null) return { kind: 'unusable', problem: 'has no start time the desk can read' };
  const provider = participants.find((p) => referencedId(p.actor?.reference, 'Practitioner') !== null || p.actor?.reference?.startsWith('Practitioner'));
  const reason =
    appointment.reasonCode?.[0]?.text ??
    appointment.reasonCode?.[0]?.coding?.[0]?.display ??
    appointment.serviceType?.[0]?.text ??
    appointment.description ??
    '';
  return {
    kind: 'appointment',
    record: {
      id: appointment.id,
      patientId,
      startsAt,
      provider: (provider?.actor?.display ?? '').slice(0, 80),
      reason: reason.slice(0, 120),
      updatedAt: updatedAtOf(appointment.meta, ctx.now),
    },
  };
}

/** A household Group (type person, the configured code or the text "household"): its family and member patient ids. */
export function mapHousehold(group: Group & { id: string }, ctx: MappingContext): { family: FamilyRecord; memberIds: string[] } | null {
  const { system, code } = ctx.config.householdCode;
  const isHousehold =
    group.type === 'person' &&
    (group.code?.coding?.some((c) => c.code === code && (c.system ?? '') === system) === true || group.code?.text?.trim().toLowerCase() === 'household');
  if (!isHousehold) return null;
  const memberIds = (group.member ?? [])
    .filter((m) => m.inactive !== true && !m.period?.end)
    .map((m) => referencedId(m.entity?.reference, 'Patient'))
    .filter((id): id is string => id !== null);
  return {
    family: { id: group.id, name: (group.name ?? '').trim().slice(0, 120), version: versionOf(group.meta), updatedAt: updatedAtOf(group.meta, ctx.now) },
    memberIds,
  };
}
