/**
 * The shape a staged FHIR resource must have before the mapping reads it: only the elements the
 * mapping uses, checked for their JSON types. Everything else (narrative, profiles, elements the
 * desk never reads) is dropped, and so are extensions other than the configured ones
 * (keepConfiguredExtensions), so the staged copy is small. A resource that fails is set aside
 * (sync_problems) with the first few reasons, like a record of the sync protocol the desk cannot
 * read (issue 8).
 */
import type { Appointment, Group, Patient, RelatedPerson } from '@medplum/fhirtypes';
import { z } from 'zod';

const fhirId = z.string().regex(/^[A-Za-z0-9\-.]{1,64}$/, 'not a FHIR id');
const str = z.string().max(10_000);
const meta = z.object({ lastUpdated: str.optional() }).optional();
const extension = z
  .array(
    z.object({
      url: str,
      valueCode: str.optional(),
      valueString: str.optional(),
      valueBoolean: z.boolean().optional(),
      valueInteger: z.number().optional(),
      valuePositiveInt: z.number().optional(),
      valueUnsignedInt: z.number().optional(),
      valueCoding: z.object({ system: str.optional(), code: str.optional() }).optional(),
    }),
  )
  .optional();
const coding = z.object({ system: str.optional(), code: str.optional(), display: str.optional() });
const concept = z.object({ coding: z.array(coding).optional(), text: str.optional() });
const reference = z.object({ reference: str.optional(), display: str.optional() });
const period = z.object({ start: str.optional(), end: str.optional() }).optional();
const humanName = z.object({ use: str.optional(), family: str.optional(), given: z.array(str).optional(), text: str.optional() });
const contactPoint = z.object({ system: str.optional(), value: str.optional(), use: str.optional(), rank: z.number().optional(), period });
const address = z.object({ use: str.optional(), line: z.array(str).optional(), postalCode: str.optional(), period });
const communication = z.object({ language: concept.optional(), preferred: z.boolean().optional() });
const identifier = z.object({ system: str.optional(), value: str.optional(), type: concept.optional() });

const base = { id: fhirId, meta, extension };

const patient = z.object({
  resourceType: z.literal('Patient'),
  ...base,
  identifier: z.array(identifier).optional(),
  active: z.boolean().optional(),
  name: z.array(humanName).optional(),
  gender: str.optional(),
  birthDate: str.optional(),
  deceasedBoolean: z.boolean().optional(),
  deceasedDateTime: str.optional(),
  address: z.array(address).optional(),
  link: z.array(z.object({ type: str, other: reference })).optional(),
  contact: z
    .array(
      z.object({
        id: str.optional(),
        extension,
        relationship: z.array(concept).optional(),
        name: humanName.optional(),
        telecom: z.array(contactPoint).optional(),
        address: address.optional(),
      }),
    )
    .optional(),
  communication: z.array(communication).optional(),
});

const relatedPerson = z.object({
  resourceType: z.literal('RelatedPerson'),
  ...base,
  identifier: z.array(identifier).optional(),
  active: z.boolean().optional(),
  patient: reference,
  relationship: z.array(concept).optional(),
  name: z.array(humanName).optional(),
  telecom: z.array(contactPoint).optional(),
  address: z.array(address).optional(),
  communication: z.array(communication).optional(),
});

const appointment = z.object({
  resourceType: z.literal('Appointment'),
  ...base,
  status: str,
  start: str.optional(),
  description: str.optional(),
  reasonCode: z.array(concept).optional(),
  serviceType: z.array(concept).optional(),
  participant: z.array(z.object({ actor: reference.optional() })),
});

const group = z.object({
  resourceType: z.literal('Group'),
  ...base,
  type: str,
  name: str.optional(),
  code: concept.optional(),
  member: z.array(z.object({ entity: reference, inactive: z.boolean().optional(), period })).optional(),
});

/** The resource types a FHIR source stages; any other type in a file is skipped. */
export const STAGED_TYPES = ['Patient', 'RelatedPerson', 'Appointment', 'Group'] as const;
export type StagedType = (typeof STAGED_TYPES)[number];

export const STAGED_SCHEMAS: Record<StagedType, z.ZodType> = { Patient: patient, RelatedPerson: relatedPerson, Appointment: appointment, Group: group };

export type StagedPatient = Patient & { id: string };
export type StagedRelatedPerson = RelatedPerson & { id: string };
export type StagedAppointment = Appointment & { id: string };
export type StagedGroup = Group & { id: string };

/** Drops the extensions the mapping does not read, where the mapping reads extensions. */
export function keepConfiguredExtensions(
  resource: { extension?: { url: string }[]; contact?: { extension?: { url: string }[] }[] },
  urls: ReadonlySet<string>,
): void {
  const prune = (holder: { extension?: { url: string }[] }) => {
    if (!holder.extension) return;
    const kept = holder.extension.filter((e) => urls.has(e.url));
    if (kept.length > 0) holder.extension = kept;
    else delete holder.extension;
  };
  prune(resource);
  for (const contact of resource.contact ?? []) prune(contact);
}

/** The mirror kind a set-aside resource is listed under (its id is the mirror id it would have had). */
export const SET_ASIDE_KIND: Record<StagedType, string> = { Patient: 'patient', RelatedPerson: 'contact', Appointment: 'appointment', Group: 'family' };
