/**
 * Why a child is left out of the Bulk PIN file: the reason codes (SPEC order), the reason each
 * non-Active patient status gives, and the reasons in words. The rule (shared/domain/bulkEligibility.ts),
 * the exclusions report (main) and the readiness screen (renderer) all use these.
 */
import type { PatientStatus } from './patient';

export const EXCLUSION_REASONS = [
  'status_inactive',
  'status_transferred',
  'status_deceased',
  'status_merged',
  'status_in_collections',
  'over_minor_age',
  'no_date_of_birth',
  'no_primary_contact',
  'primary_without_authority',
  'no_email',
] as const;
export type ExclusionReason = (typeof EXCLUSION_REASONS)[number];

/** The reason each patient status other than Active gives. */
export const STATUS_EXCLUSIONS: Record<Exclude<PatientStatus, 'Active'>, ExclusionReason> = {
  Inactive: 'status_inactive',
  Transferred: 'status_transferred',
  Deceased: 'status_deceased',
  Merged: 'status_merged',
  'In Collections': 'status_in_collections',
};

/** Each reason in words, on the readiness screen and in the exclusions report's Reason column. */
export const EXCLUSION_LABELS: Record<ExclusionReason, string> = {
  status_inactive: 'Patient status Inactive',
  status_transferred: 'Patient status Transferred',
  status_deceased: 'Patient status Deceased',
  status_merged: 'Patient status Merged',
  status_in_collections: 'Patient status In Collections',
  over_minor_age: 'At or over the Minor Age Limit (registers on their own account)',
  no_date_of_birth: 'No date of birth on the chart',
  no_primary_contact: 'No Primary Contact (no Family Contact with Sort 1)',
  primary_without_authority: 'Primary Contact without authority and not living with the child',
  no_email: 'Primary Contact has no usable email address',
};
