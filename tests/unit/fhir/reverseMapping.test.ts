import { describe, expect, it } from 'vitest';
import { mapAppointment, mapHousehold, mapPatient, mapRelatedPerson, settleLinks } from '../../../electron/main/fhir/mapping';
import { appointmentToFhir, householdToFhir, patientToFhir, relatedPersonToFhir } from '../../support/fhir/reverseMapping';
import { instantOfWallTime, wallTimeIn } from '../../../electron/main/fhir/wallTime';
import { PATIENT_STATUSES } from '../../../shared/domain/patient';
import { DEFAULT_FHIR_MAPPING_CONFIG } from '../../../shared/fhir/mappingConfig';
import type { ContactRecord, PatientContactRecord, PatientRecord } from '../../../shared/sync/protocol';

const config = { ...DEFAULT_FHIR_MAPPING_CONFIG, timeZone: 'America/Los_Angeles' };
const ctx = { config, now: '2026-12-03T15:00:00.000Z' };

const patient = (over: Partial<PatientRecord> = {}): PatientRecord => ({
  id: 'pat-000001',
  chartNumber: 'A10001',
  familyId: 'fam-000001',
  firstName: 'José Luis',
  lastName: 'García López',
  dateOfBirth: '2018-02-28',
  sex: 'M',
  status: 'Active',
  portalLinked: false,
  version: 1,
  updatedAt: '2026-11-22T14:30:00.000Z',
  ...over,
});

/** What comes back of a record sent out and read in again, without the version fields FHIR replaces. */
const back = (p: PatientRecord) => {
  const out = mapPatient(patientToFhir(p, config), p.familyId, ctx);
  if (out.kind !== 'patient') throw new Error(out.kind);
  const { version: _v, updatedAt: _u, ...rest } = out.record;
  return rest;
};
const same = (p: PatientRecord) => {
  const { version: _v, updatedAt: _u, ...rest } = p;
  return rest;
};

describe('mirror → FHIR → mirror gives back what the desk had', () => {
  it.each(PATIENT_STATUSES.map((status) => [status]))('a patient of status %s', (status) => {
    const p = patient({ status });
    expect(back(p)).toEqual(same(p));
  });

  it.each([[{ sex: 'F' as const, portalLinked: true }], [{ sex: 'X' as const, dateOfBirth: null }], [{ sex: null, firstName: '', familyId: null }]])(
    'a patient with %j',
    (over) => {
      const p = patient(over);
      expect(back(p)).toEqual(same(p));
    },
  );

  const contact: ContactRecord = {
    id: 'con-000009',
    firstName: 'Rosa',
    lastName: 'Pérez',
    email: 'rosa @example',
    mobilePhone: '555-0142',
    homePhone: null,
    preferredReminder: 'Phone',
    language: 'es',
    hasPortalAccount: true,
    version: 1,
    updatedAt: '2026-11-22T14:30:00.000Z',
  };
  const link = (over: Partial<PatientContactRecord>): PatientContactRecord => ({
    patientId: 'pat-000001',
    contactId: 'con-000009',
    sort: 1,
    relationship: 'Mother',
    authority: 'Joint',
    residesWith: true,
    portalFlag: false,
    ...over,
  });

  it.each([
    [link({})],
    [link({ authority: null, residesWith: false, portalFlag: true, sort: 2, relationship: 'Grandmother' })],
    [link({ authority: 'None', sort: null, relationship: 'Stepfather' })],
    [link({ authority: 'Exclusive', relationship: 'Tía (aunt)' })],
  ])('a Family Contact and its link %j', (l) => {
    const out = mapRelatedPerson(relatedPersonToFhir(contact, l, 'fam-000001', config), ctx);
    if (out.kind !== 'contact') throw new Error(out.kind);
    const { version: _v, updatedAt: _u, ...person } = out.contact;
    const { version: _cv, updatedAt: _cu, ...expected } = contact;
    expect(person).toEqual(expected);
    const settled = settleLinks([out.link], null);
    expect(settled.links).toEqual([l]);
    expect(settled.inferred.filter((i) => i.authority)).toEqual([]);
  });

  it('a family and its members, and an appointment at its wall-clock time', () => {
    const family = { id: 'fam-000001', name: 'García', version: 1, updatedAt: ctx.now };
    expect(mapHousehold(householdToFhir(family, ['pat-000001', 'pat-000002'], config), ctx)).toMatchObject({
      family: { id: 'fam-000001', name: 'García' },
      memberIds: ['pat-000001', 'pat-000002'],
    });
    const a = { id: 'apt-000001', patientId: 'pat-000001', startsAt: '2026-11-22T16:45', provider: 'Dr. Ana Ortiz', reason: 'Fever', updatedAt: ctx.now };
    expect(mapAppointment(appointmentToFhir(a, config), ctx)).toMatchObject({ kind: 'appointment', record: { ...a, updatedAt: ctx.now } });
  });
});

describe('wall-clock time in the practice’s zone', () => {
  it.each([
    ['2026-11-22T08:00', 'America/New_York', '2026-11-22T08:00:00-05:00'],
    ['2026-07-01T08:00', 'America/New_York', '2026-07-01T08:00:00-04:00'],
    ['2026-03-08T03:30', 'America/Chicago', '2026-03-08T03:30:00-05:00'],
    ['2026-11-22T16:45', 'Pacific/Honolulu', '2026-11-22T16:45:00-10:00'],
  ])('%s in %s is %s, and back', (wall, zone, instant) => {
    expect(instantOfWallTime(wall, zone)).toBe(instant);
    expect(wallTimeIn(instant, zone)).toBe(wall);
  });

  it('reads a start in UTC, a local time without offset as written, and refuses what is not a time', () => {
    expect(wallTimeIn('2026-12-03T14:30:00.000Z', 'America/New_York')).toBe('2026-12-03T09:30');
    expect(wallTimeIn('2026-12-03T09:30:00', 'America/New_York')).toBe('2026-12-03T09:30');
    expect(wallTimeIn('tomorrow', 'America/New_York')).toBeNull();
  });
});
