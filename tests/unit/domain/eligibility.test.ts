import { describe, expect, it } from 'vitest';
import { bulkVerdict } from '../../../shared/domain/bulkEligibility';
import { patientEligibility } from '../../../shared/domain/eligibility';
import type { PatientStatus } from '../../../shared/domain/patient';
import { childVerdict } from '../../../shared/domain/verdict';

const TODAY = '2026-12-03';
const LIMIT = 18;
const primary = {
  link: { contactId: 'c1', sort: 1, relationship: 'Mother', authority: 'Joint' as const, residesWith: true, portalFlag: false },
  email: 'maria@example.com',
};

/** One rule (eligibility.ts): the wizard's verdict and the Bulk PIN campaign must agree on every row. */
describe('patientEligibility: the one per-child rule of the wizard and the campaign', () => {
  it.each<[string, PatientStatus, string | null, string[], number | null]>([
    ['Active, 7', 'Active', '2019-03-14', [], 7],
    ['Active, born today', 'Active', TODAY, [], 0],
    ['Active, 17 turning 18 tomorrow', 'Active', '2008-12-04', [], 17],
    ['Active, 18 today', 'Active', '2008-12-03', ['over_minor_age'], 18],
    ['Active, date with spaces around it', 'Active', ' 2019-03-14 ', [], 7],
    ['no date of birth', 'Active', null, ['no_date_of_birth'], null],
    ['blank date of birth', 'Active', '   ', ['no_date_of_birth'], null],
    ['30 February', 'Active', '2019-02-30', ['invalid_date_of_birth'], null],
    ['US-style date', 'Active', '03/14/2019', ['invalid_date_of_birth'], null],
    ['born tomorrow', 'Active', '2026-12-04', ['future_date_of_birth'], null],
    ['born next year', 'Active', '2027-01-01', ['future_date_of_birth'], null],
    ['Inactive, 7', 'Inactive', '2019-03-14', ['status'], 7],
    ['Deceased, no date of birth', 'Deceased', null, ['status', 'no_date_of_birth'], null],
    ['Merged, future date', 'Merged', '2027-01-01', ['status', 'future_date_of_birth'], null],
  ])('%s', (_label, status, dateOfBirth, codes, age) => {
    const rule = patientEligibility({ status, dateOfBirth }, LIMIT, TODAY);
    expect(rule.exclusions.map((e) => e.code)).toEqual(codes);
    expect(rule.age).toBe(age);

    const verdict = childVerdict(
      { firstName: 'Mia', lastName: 'Lopez', dateOfBirth, status, portalLinked: false, hasEligibleGuardian: true },
      { minorAgeLimit: LIMIT, adolescentAge: 13 },
      TODAY,
    );
    const bulk = bulkVerdict({ status, dateOfBirth }, primary, LIMIT, TODAY);
    // Both say "no" exactly when the rule does, and the wizard names every reason the rule found.
    expect(verdict.kind === 'excluded').toBe(codes.length > 0);
    expect(bulk.eligible).toBe(codes.length === 0);
    expect(verdict.reasons.map((r) => r.code)).toEqual(codes);
  });
});
