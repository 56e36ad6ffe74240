import { describe, expect, it } from 'vitest';
import { dateKeyAt } from '../../electron/main/bulk/passRows';
import { PatientVerdicts, patientVerdictsFor } from '../../electron/main/bulk/patientVerdicts';
import { bulkPatientVerdict } from '../../shared/domain/bulkEligibility';
import { PATIENT_STATUSES } from '../../shared/domain/patient';

// The pass's table of the patient half of the verdict (status, date of birth, age) gives what the
// rule gives, for every status and for dates in and out of the table's years, months and days.

const TODAY = '2026-11-22';
const DATES = [
  '2008-11-22', // 18 today: over the limit
  '2008-11-23', // 17, 18 tomorrow
  '2026-11-22', // born today
  '2026-11-23', // tomorrow: in the future
  '2016-02-29',
  '2015-02-29', // not a real day, inside the table's days
  '2016-04-31',
  '2016-13-01', // month 13: outside the table
  '2016-00-10',
  '2016-05-00',
  '2016-05-32',
  '1899-12-31', // before the table's years
  '1900-01-01',
  '2155-12-31',
  '2156-01-01', // after them
  '0000-01-01',
  '9999-12-31',
];

/** A pass row's tail: the date last, as the pass reads it. */
const rowOf = (dob: string) => `17,5,3,01,${dob}`;

describe('the pass table of patient verdicts', () => {
  it('answers as bulkPatientVerdict for every status and date, asked twice', () => {
    const table = new PatientVerdicts(TODAY, 18);
    for (let round = 0; round < 2; round++) {
      for (const dob of DATES) {
        const r = rowOf(dob);
        const at = r.length - 10;
        const dateKey = dateKeyAt(r, at);
        expect(dateKey).toBeGreaterThanOrEqual(0);
        PATIENT_STATUSES.forEach((status, code) => {
          expect(table.of(dateKey, r, at, code), `${status} ${dob}`).toEqual(bulkPatientVerdict({ status, dateOfBirth: dob }, 18, TODAY));
        });
      }
    }
  });

  it('keeps days and statuses apart: neighbours in the table get their own verdicts', () => {
    const table = new PatientVerdicts(TODAY, 18);
    const ask = (dob: string, code: number) => {
      const r = rowOf(dob);
      return table.of(dateKeyAt(r, r.length - 10), r, r.length - 10, code);
    };
    expect(ask('2008-11-23', 0)).toBeNull(); // 17: eligible so far
    expect(ask('2008-11-22', 0)).toMatchObject({ eligible: false, reason: 'over_minor_age' });
    expect(ask('2008-11-23', 1)).toMatchObject({ eligible: false, reason: 'status_inactive' });
    expect(ask('2008-11-23', 0)).toBeNull();
    expect(ask('2008-12-23', 0)).toBeNull();
    expect(ask('2008-10-23', 0)).toMatchObject({ eligible: false, reason: 'over_minor_age' });
  });

  it('is kept for the same day and limit, and made again when either changes', () => {
    const first = patientVerdictsFor(TODAY, 18);
    expect(patientVerdictsFor(TODAY, 18)).toBe(first);
    const otherLimit = patientVerdictsFor(TODAY, 21);
    expect(otherLimit).not.toBe(first);
    const r = rowOf('2006-01-01');
    expect(otherLimit.of(dateKeyAt(r, r.length - 10), r, r.length - 10, 0)).toBeNull(); // 20 is under 21
    const tomorrow = patientVerdictsFor('2026-11-23', 21);
    expect(tomorrow).not.toBe(otherLimit);
    const b = rowOf('2005-11-23');
    expect(tomorrow.of(dateKeyAt(b, b.length - 10), b, b.length - 10, 0)).toMatchObject({ reason: 'over_minor_age' });
  });
});
