import { ageOn, isValidIsoDate, type IsoDate } from './dates';
import { isStatusEligible, type PatientStatus } from './patient';

/**
 * The one per-child rule both the family wizard (verdict.ts) and the Bulk PIN campaign
 * (bulkEligibility.ts) apply before looking at contacts (SPEC 2, 3.2, 3.5): only Active patients,
 * with a real date of birth that is not in the future, under the Minor Age Limit. Each caller
 * words the result its own way; neither decides it. Pure.
 */

export type PatientExclusion =
  | { code: 'status'; status: PatientStatus }
  | { code: 'no_date_of_birth' }
  | { code: 'invalid_date_of_birth'; dateOfBirth: string }
  | { code: 'future_date_of_birth'; dateOfBirth: IsoDate }
  | { code: 'over_minor_age'; age: number; minorAgeLimit: number };

export interface PatientEligibility {
  /** Every reason, in SPEC order: status, then date of birth, then age. Empty: eligible so far. */
  exclusions: PatientExclusion[];
  /** Age today when the date of birth is real and not in the future, else null. */
  age: number | null;
  /** The trimmed date of birth when it is a real date. */
  dateOfBirth: IsoDate | null;
}

export function patientEligibility(patient: { status: PatientStatus; dateOfBirth: string | null }, minorAgeLimit: number, today: IsoDate): PatientEligibility {
  const exclusions: PatientExclusion[] = [];
  if (!isStatusEligible(patient.status)) exclusions.push({ code: 'status', status: patient.status });
  // Dates from sync and CSV may carry spaces; " 2016-05-02" is the same day everywhere.
  const dob = patient.dateOfBirth?.trim() ?? '';
  if (dob === '') {
    exclusions.push({ code: 'no_date_of_birth' });
    return { exclusions, age: null, dateOfBirth: null };
  }
  if (!isValidIsoDate(dob)) {
    exclusions.push({ code: 'invalid_date_of_birth', dateOfBirth: dob });
    return { exclusions, age: null, dateOfBirth: null };
  }
  const age = ageOn(dob, today);
  if (age < 0) {
    exclusions.push({ code: 'future_date_of_birth', dateOfBirth: dob });
    return { exclusions, age: null, dateOfBirth: dob };
  }
  if (age >= minorAgeLimit) exclusions.push({ code: 'over_minor_age', age, minorAgeLimit });
  return { exclusions, age, dateOfBirth: dob };
}
