import { z } from 'zod';

/**
 * How a practice's FHIR R4 (US Core) server says what FHIR has no standard element for: the
 * chart number's identifier system, the practice-specific patient statuses, a Family Contact's
 * Authority, Sort, Resides-with and Portal column, the preferred reminder method, the portal
 * flags, and which Groups are households. One object, one set of defaults; the mapping
 * (electron/main/fhir/mapping.ts) and its reverse read only this.
 *
 * Every extension is optional on the server: where it is missing the mapping falls back to a
 * documented default (docs/fhir-mapping.md) and, for Authority and Sort, says the value was
 * inferred so an administrator confirms it.
 */

const url = z.string().min(1).max(300);

export const fhirMappingConfig = z.object({
  /**
   * Identifier.system of the chart number. Empty: the identifier whose type is v2-0203 `MR`
   * (US Core's medical record number) is the chart number.
   */
  chartNumberSystem: z.string().max(300),
  /** Identifier.system that names the same person across their RelatedPerson resources (one per child). */
  contactIdentifierSystem: z.string().max(300),
  /** The practice time zone: appointment instants become the desk's wall-clock times in it. */
  timeZone: z.string().min(1).max(64),
  extensions: z.object({
    /** valueCode/valueString: Active, Inactive, Transferred, Deceased, Merged or In Collections (on Patient). */
    patientStatus: url,
    /** valueBoolean: the patient is already linked to a portal account (on Patient). */
    portalLinked: url,
    /** valueCode/valueString: Joint, Exclusive or None (on RelatedPerson or Patient.contact). */
    authority: url,
    /** valueInteger: Sort, 1 = Primary Contact (on RelatedPerson or Patient.contact). */
    sortOrder: url,
    /** valueBoolean: resides with the patient; overrides the address match (on RelatedPerson or Patient.contact). */
    residesWith: url,
    /** valueBoolean: the "Portal" column staff tick; never used to decide anything (on RelatedPerson or Patient.contact). */
    portalFlag: url,
    /** valueCode/valueString: Email, Text, Phone or None (on RelatedPerson or Patient.contact). */
    preferredReminder: url,
    /** valueBoolean: the person has a portal account (on RelatedPerson or Patient.contact). */
    hasPortalAccount: url,
  }),
  /** A Group of type `person` whose code carries this coding (or whose code text is "household") is a household. */
  householdCode: z.object({ system: z.string().max(300), code: z.string().min(1).max(64) }),
});

export type FhirMappingConfig = z.infer<typeof fhirMappingConfig>;

/** Where the defaults live: a made-up base the practice replaces with its EHR's own URLs. */
export const FHIR_EXTENSION_BASE = 'https://familyportalpins.example/fhir/StructureDefinition';

export const DEFAULT_FHIR_MAPPING_CONFIG: FhirMappingConfig = {
  chartNumberSystem: '',
  contactIdentifierSystem: 'https://familyportalpins.example/fhir/contact-id',
  timeZone: 'America/New_York',
  extensions: {
    patientStatus: `${FHIR_EXTENSION_BASE}/patient-status`,
    portalLinked: `${FHIR_EXTENSION_BASE}/portal-linked`,
    authority: `${FHIR_EXTENSION_BASE}/contact-authority`,
    sortOrder: `${FHIR_EXTENSION_BASE}/contact-sort`,
    residesWith: `${FHIR_EXTENSION_BASE}/contact-resides-with`,
    portalFlag: `${FHIR_EXTENSION_BASE}/contact-portal-flag`,
    preferredReminder: `${FHIR_EXTENSION_BASE}/preferred-reminder`,
    hasPortalAccount: `${FHIR_EXTENSION_BASE}/has-portal-account`,
  },
  householdCode: { system: 'https://familyportalpins.example/fhir/CodeSystem/group-kind', code: 'household' },
};

/** The identifier type of a medical record number (HL7 v2 table 0203). */
export const MR_TYPE = { system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' } as const;
