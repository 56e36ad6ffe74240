import type { Appointment, Group, Patient, RelatedPerson } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import {
  mapAppointment,
  mapHousehold,
  mapPatient,
  mapPatientContacts,
  mapRelatedPerson,
  settleLinks,
  type LinkDraft,
  type MappingContext,
} from '../../../electron/main/fhir/mapping';
import { DEFAULT_FHIR_MAPPING_CONFIG, MR_TYPE } from '../../../shared/fhir/mappingConfig';
import { V2_0131, V3_ROLE_CODE } from '../../../shared/fhir/relationships';

const config = { ...DEFAULT_FHIR_MAPPING_CONFIG, timeZone: 'America/New_York' };
const ext = config.extensions;
const ctx: MappingContext = { config, now: '2026-12-03T15:00:00.000Z' };
const MR = { type: { coding: [{ ...MR_TYPE }] } };

const patient = (over: Partial<Patient> = {}): Patient & { id: string } => ({
  resourceType: 'Patient',
  id: 'p1',
  meta: { lastUpdated: '2026-12-01T10:00:00.000Z' },
  identifier: [
    { system: 'urn:ssn', value: '123-45-6789' },
    { ...MR, value: 'C-1001' },
  ],
  name: [
    { use: 'usual', family: 'Smith', given: ['Annie'] },
    { use: 'official', family: 'Smith', given: ['Anne', 'Marie'] },
  ],
  birthDate: '2019-05-04',
  gender: 'female',
  ...over,
});

const mapped = (p: Patient & { id: string }) => {
  const out = mapPatient(p, 'fam-1', ctx);
  if (out.kind !== 'patient') throw new Error(`expected a patient, got ${out.kind}`);
  return out.record;
};

describe('Patient → the mirror patient', () => {
  it('takes the MR identifier as chart number, the official name, birthDate, gender, and lastUpdated as version', () => {
    expect(mapped(patient())).toEqual({
      id: 'p1',
      chartNumber: 'C-1001',
      familyId: 'fam-1',
      firstName: 'Anne Marie',
      lastName: 'Smith',
      dateOfBirth: '2019-05-04',
      sex: 'F',
      status: 'Active',
      portalLinked: false,
      version: Date.parse('2026-12-01T10:00:00.000Z'),
      updatedAt: '2026-12-01T10:00:00.000Z',
    });
  });

  it('takes the chart number from the configured identifier system when there is one', () => {
    const p = patient({
      identifier: [
        { ...MR, value: 'MR-9' },
        { system: 'urn:practice:chart', value: 'CH-7' },
      ],
    });
    expect(mapPatient(p, null, { ...ctx, config: { ...config, chartNumberSystem: 'urn:practice:chart' } })).toMatchObject({ record: { chartNumber: 'CH-7' } });
    expect(mapped(patient({ identifier: [{ system: 'urn:ssn', value: '1' }] })).chartNumber).toBe('');
  });

  it.each([
    ['no name marked official: the usual one', [{ use: 'usual' as const, family: 'Lee', given: ['Kim'] }], 'Kim', 'Lee'],
    [
      'an old name is never used',
      [
        { use: 'old' as const, family: 'Before', given: ['X'] },
        { family: 'After', given: ['Y'] },
      ],
      'Y',
      'After',
    ],
    ['no name at all', [], '', ''],
  ])('name: %s', (_case, name, first, last) => {
    expect(mapped(patient({ name }))).toMatchObject({ firstName: first, lastName: last });
  });

  it.each([
    ['2019-05-04', '2019-05-04'],
    ['2019-05', null],
    ['2019', null],
    [undefined, null],
  ])('birthDate %s → date of birth %s (a partial date is no date)', (birthDate, expected) => {
    expect(mapped(patient({ birthDate })).dateOfBirth).toBe(expected);
  });

  it.each([
    [{}, 'Active'],
    [{ active: true }, 'Active'],
    [{ active: false }, 'Inactive'],
    [{ deceasedBoolean: true }, 'Deceased'],
    [{ deceasedDateTime: '2026-10-01' }, 'Deceased'],
    [{ deceasedBoolean: false, active: true }, 'Active'],
    [{ active: false, extension: [{ url: ext.patientStatus, valueCode: 'Transferred' }] }, 'Transferred'],
    [{ active: false, extension: [{ url: ext.patientStatus, valueString: 'in collections' }] }, 'In Collections'],
    [{ active: false, extension: [{ url: ext.patientStatus, valueCode: 'Merged' }] }, 'Merged'],
    [{ deceasedBoolean: true, extension: [{ url: ext.patientStatus, valueCode: 'In Collections' }] }, 'Deceased'],
    [{ active: false, extension: [{ url: ext.patientStatus, valueCode: 'On vacation' }] }, 'Inactive'],
    [{ extension: [{ url: 'https://other.example/status', valueCode: 'Transferred' }] }, 'Active'],
  ] as [Partial<Patient>, string][])('status of %j is %s', (over, status) => {
    expect(mapped(patient(over)).status).toBe(status);
  });

  it('makes a patient replaced by another (link replaced-by) a Merged tombstone pointing at the survivor', () => {
    const merged = patient({ active: false, link: [{ type: 'replaced-by', other: { reference: 'Patient/p2' } }] });
    expect(mapPatient(merged, null, ctx)).toEqual({ kind: 'merged', tombstone: { kind: 'patient', id: 'p1', mergedInto: 'p2' } });
    expect(mapPatient(patient({ link: [{ type: 'replaces', other: { reference: 'Patient/p0' } }] }), null, ctx).kind).toBe('patient');
  });

  it('reads the portal-linked extension and gender other/unknown', () => {
    expect(mapped(patient({ gender: 'other', extension: [{ url: ext.portalLinked, valueBoolean: true }] }))).toMatchObject({ sex: 'X', portalLinked: true });
    expect(mapped(patient({ gender: 'unknown' })).sex).toBeNull();
  });
});

const related = (over: Partial<RelatedPerson> = {}): RelatedPerson & { id: string } => ({
  resourceType: 'RelatedPerson',
  id: 'rp1',
  meta: { lastUpdated: '2026-12-02T09:00:00.000Z' },
  patient: { reference: 'Patient/p1' },
  relationship: [{ coding: [{ system: V3_ROLE_CODE, code: 'MTH' }] }],
  name: [{ use: 'official', family: 'Smith', given: ['Rosa'] }],
  telecom: [
    { system: 'phone', use: 'home', value: '(555) 010-1111' },
    { system: 'email', value: 'old@example.org', rank: 2 },
    { system: 'email', value: 'rosa@example.org', rank: 1 },
    { system: 'phone', use: 'mobile', value: '(555) 010-2222' },
  ],
  communication: [{ language: { coding: [{ system: 'urn:ietf:bcp:47', code: 'en-US' }] } }, { language: { coding: [{ code: 'es-MX' }] }, preferred: true }],
  ...over,
});

const contactOf = (rp: RelatedPerson & { id: string }) => {
  const out = mapRelatedPerson(rp, ctx);
  if (out.kind !== 'contact') throw new Error(`expected a contact, got ${out.kind}`);
  return out;
};

describe('RelatedPerson → the Family Contact and its link', () => {
  it('takes the email and mobile from telecom (best rank), the preferred language, and the relationship words', () => {
    const { contact, link } = contactOf(related());
    expect(contact).toMatchObject({
      id: 'rp1',
      firstName: 'Rosa',
      lastName: 'Smith',
      email: 'rosa@example.org',
      mobilePhone: '(555) 010-2222',
      homePhone: '(555) 010-1111',
      language: 'es',
      preferredReminder: null,
      hasPortalAccount: false,
    });
    expect(link).toMatchObject({ patientId: 'p1', contactId: 'rp1', relationship: 'Mother', role: 'parent', authority: undefined, sort: undefined });
  });

  it('is one contact across the RelatedPersons of several children when they share the contact identifier', () => {
    const a = contactOf(related({ id: 'rp1', identifier: [{ system: config.contactIdentifierSystem, value: 'person-7' }] }));
    const b = contactOf(
      related({ id: 'rp2', patient: { reference: 'Patient/p2' }, identifier: [{ system: config.contactIdentifierSystem, value: 'person-7' }] }),
    );
    expect([a.contact.id, b.contact.id]).toEqual(['person-7', 'person-7']);
    expect([a.link.patientId, b.link.patientId]).toEqual(['p1', 'p2']);
  });

  it.each([
    [V3_ROLE_CODE, 'FTH', 'Father', 'parent'],
    [V3_ROLE_CODE, 'PRN', 'Parent', 'parent'],
    [V3_ROLE_CODE, 'GUARD', 'Guardian', 'guardian'],
    [V3_ROLE_CODE, 'GRMTH', 'Grandmother', 'family'],
    [V3_ROLE_CODE, 'GRFTH', 'Grandfather', 'family'],
    [V3_ROLE_CODE, 'STPFTH', 'Stepfather', 'family'],
    [V3_ROLE_CODE, 'AUNT', 'Aunt', 'family'],
    [V2_0131, 'N', 'Next of kin', 'other'],
    [V2_0131, 'C', 'Emergency contact', 'other'],
    [undefined, 'MTH', 'Mother', 'parent'],
  ])('relationship %s %s → %s (%s)', (system, code, words, role) => {
    expect(contactOf(related({ relationship: [{ coding: [{ system, code }] }] })).link).toMatchObject({ relationship: words, role });
  });

  it('keeps the text of a relationship it has no code for, and guesses a legal guardian from it', () => {
    expect(contactOf(related({ relationship: [{ text: 'Legal guardian (court order)' }] })).link).toMatchObject({
      relationship: 'Legal guardian (court order)',
      role: 'guardian',
    });
    expect(contactOf(related({ relationship: [{ coding: [{ system: 'urn:x', code: 'Z', display: 'Foster parent' }] }] })).link.relationship).toBe(
      'Foster parent',
    );
  });

  it('reads Authority, Sort, Resides-with, Portal, reminder and account from the configured extensions', () => {
    const { contact, link } = contactOf(
      related({
        extension: [
          { url: ext.authority, valueCode: 'Exclusive' },
          { url: ext.sortOrder, valueInteger: 2 },
          { url: ext.residesWith, valueBoolean: false },
          { url: ext.portalFlag, valueBoolean: true },
          { url: ext.preferredReminder, valueCode: 'Text' },
          { url: ext.hasPortalAccount, valueBoolean: true },
        ],
      }),
    );
    expect(link).toMatchObject({ authority: 'Exclusive', sort: 2, residesWith: false, portalFlag: true });
    expect(contact).toMatchObject({ preferredReminder: 'Text', hasPortalAccount: true });
    expect(contactOf(related({ extension: [{ url: ext.authority, valueCode: 'unknown' }] })).link.authority).toBeNull();
  });

  it('makes an inactive RelatedPerson a removed link, and one without a patient unusable', () => {
    expect(mapRelatedPerson(related({ active: false }), ctx)).toEqual({ kind: 'removed', tombstone: { kind: 'patientContact', id: 'p1:rp1' } });
    expect(mapRelatedPerson(related({ patient: { reference: 'Group/g1' } }), ctx).kind).toBe('unusable');
  });

  it('maps Patient.contact entries as contacts of that patient', () => {
    const p = patient({
      contact: [
        {
          relationship: [{ coding: [{ system: V2_0131, code: 'C' }] }],
          name: { family: 'Doe', given: ['Jane'] },
          telecom: [{ system: 'phone', use: 'mobile', value: '555' }],
        },
        { id: 'dad', relationship: [{ coding: [{ system: V3_ROLE_CODE, code: 'FTH' }] }], name: { family: 'Smith', given: ['Tom'] } },
      ],
    });
    const out = mapPatientContacts(p, ctx).map((c) => (c.kind === 'contact' ? [c.contact.id, c.contact.firstName, c.link.relationship, c.link.order] : c.kind));
    expect(out).toEqual([
      ['p1.c1', 'Jane', 'Emergency contact', 0],
      ['p1.dad', 'Tom', 'Father', 1],
    ]);
  });
});

const draft = (over: Partial<LinkDraft>): LinkDraft => ({
  patientId: 'p1',
  contactId: 'c1',
  relationship: 'Mother',
  role: 'parent',
  authority: undefined,
  sort: undefined,
  residesWith: undefined,
  portalFlag: false,
  addressKey: null,
  order: 1000,
  ...over,
});

describe('settling one patient’s links: what the EHR did not say is inferred, and listed', () => {
  it('gives parents and legal guardians Joint authority, others none, and lists each inference', () => {
    const { links, inferred } = settleLinks(
      [
        draft({ contactId: 'gm', relationship: 'Grandmother', role: 'family' }),
        draft({ contactId: 'dad', relationship: 'Father' }),
        draft({ contactId: 'g', relationship: 'Guardian', role: 'guardian' }),
      ],
      null,
    );
    expect(links.map((l) => [l.contactId, l.authority, l.sort])).toEqual([
      ['gm', null, 3],
      ['dad', 'Joint', 1],
      ['g', 'Joint', 2],
    ]);
    expect(inferred.every((i) => i.authority && i.sort && i.residesWith)).toBe(true);
  });

  it('keeps the sorts the EHR gave and numbers the others after them, parents first', () => {
    const { links, inferred } = settleLinks(
      [
        draft({ contactId: 'aunt', role: 'family', relationship: 'Aunt', authority: 'Exclusive', sort: 1, residesWith: true }),
        draft({ contactId: 'nok', role: 'other', relationship: 'Next of kin', order: 0 }),
        draft({ contactId: 'mom' }),
      ],
      null,
    );
    expect(links.map((l) => [l.contactId, l.sort])).toEqual([
      ['aunt', 1],
      ['nok', 3],
      ['mom', 2],
    ]);
    expect(inferred.map((i) => i.contactId)).toEqual(['nok', 'mom']);
  });

  it('says a contact resides with the patient when their home addresses match, unless the extension says', () => {
    const { links } = settleLinks(
      [
        draft({ contactId: 'same', addressKey: '12 elm st|62704' }),
        draft({ contactId: 'other', addressKey: '9 oak ave|62704' }),
        draft({ contactId: 'none' }),
        draft({ contactId: 'said', addressKey: '12 elm st|62704', residesWith: false }),
      ],
      '12 elm st|62704',
    );
    expect(links.map((l) => [l.contactId, l.residesWith])).toEqual([
      ['same', true],
      ['other', false],
      ['none', false],
      ['said', false],
    ]);
  });

  it('lists nothing when the EHR said everything', () => {
    expect(settleLinks([draft({ authority: null, sort: 1, residesWith: true })], null).inferred).toEqual([]);
  });
});

describe('Appointment and household Group', () => {
  const appointment = (over: Partial<Appointment> = {}): Appointment & { id: string } => ({
    resourceType: 'Appointment',
    id: 'a1',
    status: 'booked',
    start: '2026-12-03T14:30:00Z',
    reasonCode: [{ text: 'Well visit' }],
    participant: [
      { actor: { reference: 'Practitioner/dr1', display: 'Dr. Ana Ortiz' }, status: 'accepted' },
      { actor: { reference: 'Patient/p1' }, status: 'accepted' },
    ],
    ...over,
  });

  it('feeds the check-in list: the Patient participant, the start in the practice’s wall time, provider and reason', () => {
    expect(mapAppointment(appointment(), ctx)).toMatchObject({
      kind: 'appointment',
      record: { id: 'a1', patientId: 'p1', startsAt: '2026-12-03T09:30', provider: 'Dr. Ana Ortiz', reason: 'Well visit' },
    });
  });

  it.each(['cancelled', 'noshow', 'entered-in-error'] as const)('removes a %s appointment', (status) => {
    expect(mapAppointment(appointment({ status }), ctx)).toEqual({ kind: 'removed', tombstone: { kind: 'appointment', id: 'a1' } });
  });

  it('cannot use an appointment without a patient or a start', () => {
    expect(mapAppointment(appointment({ participant: [{ actor: { reference: 'Location/l1' }, status: 'accepted' }] }), ctx).kind).toBe('unusable');
    expect(mapAppointment(appointment({ start: undefined }), ctx).kind).toBe('unusable');
  });

  it('reads a household Group as a family with its current members, and ignores other groups', () => {
    const group = (over: Partial<Group>): Group & { id: string } => ({
      resourceType: 'Group',
      id: 'g1',
      type: 'person',
      actual: true,
      name: 'Smith household',
      ...over,
    });
    const members = [{ entity: { reference: 'Patient/p1' } }, { entity: { reference: 'Patient/p2' }, inactive: true }, { entity: { reference: 'Patient/p3' } }];
    expect(mapHousehold(group({ code: { text: 'Household' }, member: members }), ctx)).toMatchObject({
      family: { id: 'g1', name: 'Smith household' },
      memberIds: ['p1', 'p3'],
    });
    expect(mapHousehold(group({ code: { coding: [{ ...config.householdCode }] }, member: members }), ctx)?.memberIds).toEqual(['p1', 'p3']);
    expect(mapHousehold(group({ code: { text: 'Asthma registry' }, member: members }), ctx)).toBeNull();
    expect(mapHousehold(group({ type: 'practitioner', code: { text: 'household' } }), ctx)).toBeNull();
  });
});
