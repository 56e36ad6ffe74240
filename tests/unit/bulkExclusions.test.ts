import { describe, expect, it } from 'vitest';
import { EXCLUSION_LABELS, EXCLUSION_REASONS, STATUS_EXCLUSIONS } from '../../shared/domain/exclusions';
import { bulkVerdict } from '../../shared/domain/bulkEligibility';
import { PATIENT_STATUSES } from '../../shared/domain/patient';

describe('the exclusion reasons', () => {
  it.each(EXCLUSION_REASONS)('%s has words of its own', (reason) => {
    expect(EXCLUSION_LABELS[reason]?.trim()).toBeTruthy();
    expect(Object.values(EXCLUSION_LABELS).filter((label) => label === EXCLUSION_LABELS[reason])).toHaveLength(1);
  });

  it('labels every reason and nothing else', () => {
    expect(Object.keys(EXCLUSION_LABELS).sort()).toEqual([...EXCLUSION_REASONS].sort());
  });

  it.each(PATIENT_STATUSES.filter((s) => s !== 'Active'))('a %s patient is left out for a reason naming that status', (status) => {
    const verdict = bulkVerdict({ status, dateOfBirth: '2020-01-01' }, null, 18, '2026-11-22');
    expect(verdict).toMatchObject({ eligible: false, reason: STATUS_EXCLUSIONS[status] });
    expect(EXCLUSION_LABELS[STATUS_EXCLUSIONS[status]]).toContain(status);
  });
});
