import type { ContactRecord, PatientContactRecord, PatientRecord } from '../../shared/sync/protocol';

/** When the practice system last changed the records built here. */
export const STAMP = '2026-11-20T10:00:00.000Z';

/** A practice-system patient as /v2/changes sends it: Ana Lopez, Active, in no family, unless `over` says otherwise. */
export const patientRecord = (id: string, over: Partial<PatientRecord> = {}): PatientRecord => ({
  id,
  chartNumber: `CH-${id}`,
  familyId: null,
  firstName: 'Ana',
  lastName: 'Lopez',
  dateOfBirth: '2016-04-02',
  sex: 'F',
  status: 'Active',
  portalLinked: false,
  version: 1,
  updatedAt: STAMP,
  ...over,
});

/** A practice-system contact: Maria Lopez, no email or phone, no portal account, unless `over` says otherwise. */
export const contactRecord = (id: string, over: Partial<ContactRecord> = {}): ContactRecord => ({
  id,
  firstName: 'Maria',
  lastName: 'Lopez',
  email: null,
  mobilePhone: null,
  homePhone: null,
  preferredReminder: 'Email',
  language: 'en',
  hasPortalAccount: false,
  version: 1,
  updatedAt: STAMP,
  ...over,
});

/** A practice-system link: the contact is the patient's Mother, Joint Authority, resides with, no portal flag. */
export const linkRecord = (patientId: string, contactId: string, sort = 1): PatientContactRecord => ({
  patientId,
  contactId,
  sort,
  relationship: 'Mother',
  authority: 'Joint',
  residesWith: true,
  portalFlag: false,
});
