import { describe, it, expect } from 'vitest';
import { PATIENT_STATUSES } from '../../../shared/domain/patient';
import { MINOR_LIMIT_WARNING_DAYS, childVerdict, type ReasonCode, type VerdictInput, type VerdictSettings } from '../../../shared/domain/verdict';

const TODAY = '2026-11-22';
const SETTINGS: VerdictSettings = { minorAgeLimit: 18, adolescentAge: 13 };

function child(overrides: Partial<VerdictInput> = {}): VerdictInput {
  return {
    firstName: 'Mia',
    lastName: 'Lopez',
    dateOfBirth: '2019-03-14', // 7 on TODAY
    status: 'Active',
    portalLinked: false,
    hasEligibleGuardian: true,
    heldPin: null,
    ...overrides,
  };
}

const EXCLUSION_CODES: ReasonCode[] = ['status', 'over_minor_age', 'no_date_of_birth', 'invalid_date_of_birth', 'future_date_of_birth', 'portal_linked'];
const codes = (items: readonly { code: string }[]) => items.map((i) => i.code);

describe('childVerdict: eligible', () => {
  it('a plain Active 7-year-old with a guardian is eligible with no warnings', () => {
    expect(childVerdict(child(), SETTINGS, TODAY)).toEqual({ kind: 'eligible', reasons: [], warnings: [], age: 7 });
  });

  it.each([
    ['born today', '2026-11-22', 0],
    ['born yesterday', '2026-11-21', 0],
    ['first birthday today', '2025-11-22', 1],
    ['12, one day under the adolescent age', '2013-11-23', 12],
  ])('%s → eligible, age %i, no warnings', (_label, dateOfBirth, age) => {
    expect(childVerdict(child({ dateOfBirth }), SETTINGS, TODAY)).toEqual({ kind: 'eligible', reasons: [], warnings: [], age });
  });
});

describe('childVerdict: excluded', () => {
  it.each(PATIENT_STATUSES.filter((s) => s !== 'Active'))('status %s is excluded, naming the status', (status) => {
    const v = childVerdict(child({ status }), SETTINGS, TODAY);
    expect(v.kind).toBe('excluded');
    expect(codes(v.reasons)).toEqual(['status']);
    expect(v.reasons[0]!.message).toContain(status);
    expect(v.reasons[0]!.message).toContain('Active');
  });

  it.each([
    // dateOfBirth, minorAgeLimit, today, age
    ['2008-11-22', 18, TODAY, 18], // exactly at the limit today
    ['2000-01-01', 18, TODAY, 26],
    ['2008-02-29', 18, '2026-03-01', 18], // 29 Feb child, common year: 18 on 1 March
    ['2005-11-22', 21, TODAY, 21], // a state with a limit of 21
    ['2009-11-22', 17, TODAY, 17],
  ])('born %s, limit %i, on %s: excluded at %i ("registers on their own account")', (dateOfBirth, minorAgeLimit, today, age) => {
    const v = childVerdict(child({ dateOfBirth }), { ...SETTINGS, minorAgeLimit }, today);
    expect(v.kind).toBe('excluded');
    expect(v.age).toBe(age);
    expect(codes(v.reasons)).toEqual(['over_minor_age']);
    expect(v.reasons[0]!.message).toMatch(/registers on their own account/i);
    expect(v.reasons[0]!.message).toContain(String(minorAgeLimit));
  });

  it.each([
    ['no date of birth', null, 'no_date_of_birth'],
    ['a malformed date of birth', '2023-02-29', 'invalid_date_of_birth'],
    ['a date of birth tomorrow', '2026-11-23', 'future_date_of_birth'],
    ['a date of birth next year', '2027-01-01', 'future_date_of_birth'],
  ] as const)('%s is excluded (%s) with no age', (_label, dateOfBirth, code) => {
    const v = childVerdict(child({ dateOfBirth }), SETTINGS, TODAY);
    expect(v.kind).toBe('excluded');
    expect(v.age).toBeNull();
    expect(codes(v.reasons)).toEqual([code]);
    expect(v.reasons[0]!.message).toMatch(/date of birth/i);
  });

  it('the future date of birth is shown the way the desk reads dates', () => {
    const v = childVerdict(child({ dateOfBirth: '2027-01-05' }), SETTINGS, TODAY);
    expect(v.reasons[0]!.message).toContain('01/05/2027');
  });

  it('already linked to a portal account is excluded', () => {
    const v = childVerdict(child({ portalLinked: true }), SETTINGS, TODAY);
    expect(v.kind).toBe('excluded');
    expect(codes(v.reasons)).toEqual(['portal_linked']);
    expect(v.reasons[0]!.message).toMatch(/portal account/i);
  });

  it('several exclusions are all listed', () => {
    const v = childVerdict(child({ status: 'Deceased', dateOfBirth: null, portalLinked: true }), SETTINGS, TODAY);
    expect(v.kind).toBe('excluded');
    expect(codes(v.reasons).sort()).toEqual(['no_date_of_birth', 'portal_linked', 'status']);
  });
});

describe('childVerdict: blocked until fixed', () => {
  it.each([
    ['Baby Girl', 'Lopez', 'Baby Girl'],
    ['BB', 'Lopez', 'BB'],
    ['Twin A', 'Lopez', 'Twin A'],
    ['Baby Girl Lopez', 'Lopez', 'Baby Girl Lopez'],
    ['', 'Lopez', '(blank)'],
  ])('first name %j is blocked, naming the placeholder', (firstName, lastName, shown) => {
    const v = childVerdict(child({ firstName, lastName }), SETTINGS, TODAY);
    expect(v.kind).toBe('blocked');
    expect(codes(v.reasons)).toEqual(['unofficial_name']);
    expect(v.reasons[0]!.message).toContain(shown);
    expect(v.reasons[0]!.message).toMatch(/update/i);
  });

  it('no eligible guardian is blocked, pointing at the Primary Contact', () => {
    const v = childVerdict(child({ hasEligibleGuardian: false }), SETTINGS, TODAY);
    expect(v.kind).toBe('blocked');
    expect(codes(v.reasons)).toEqual(['no_eligible_guardian']);
    expect(v.reasons[0]!.message).toMatch(/Primary Contact/);
  });

  it('both blocks are listed together', () => {
    const v = childVerdict(child({ firstName: 'Baby Boy', hasEligibleGuardian: false }), SETTINGS, TODAY);
    expect(v.kind).toBe('blocked');
    expect(codes(v.reasons).sort()).toEqual(['no_eligible_guardian', 'unofficial_name']);
  });
});

describe('childVerdict: excluded outranks blocked', () => {
  it.each([
    ['Inactive placeholder', { status: 'Inactive', firstName: 'Baby Girl' }],
    ['over the limit, no guardian', { dateOfBirth: '2000-01-01', hasEligibleGuardian: false }],
    ['no date of birth, placeholder, no guardian', { dateOfBirth: null, firstName: 'BG', hasEligibleGuardian: false }],
    ['portal linked, no guardian', { portalLinked: true, hasEligibleGuardian: false }],
  ] as [string, Partial<VerdictInput>][])('%s → excluded', (_label, overrides) => {
    const v = childVerdict(child(overrides), SETTINGS, TODAY);
    expect(v.kind).toBe('excluded');
    expect(v.reasons.length).toBeGreaterThan(0);
    for (const code of codes(v.reasons)) expect(EXCLUSION_CODES).toContain(code);
  });
});

describe('childVerdict: warnings never stop a PIN', () => {
  it.each([
    // 18th birthday is `days` after TODAY
    ['the day before the 18th birthday', '2008-11-23', 1],
    ['exactly 90 days before', '2009-02-20', 90],
  ])('%s → eligible with turns_minor_limit_soon (in %i days)', (_label, dateOfBirth, days) => {
    const v = childVerdict(child({ dateOfBirth }), SETTINGS, TODAY);
    expect(v.kind).toBe('eligible');
    expect(v.age).toBe(17);
    const warning = v.warnings.find((w) => w.code === 'turns_minor_limit_soon');
    expect(warning).toBeDefined();
    expect(warning!.message).toContain('18');
    expect(warning!.message).toContain(String(days));
  });

  it('names the date the child turns the limit (US format)', () => {
    const v = childVerdict(child({ dateOfBirth: '2008-11-23' }), SETTINGS, TODAY);
    expect(v.warnings.find((w) => w.code === 'turns_minor_limit_soon')!.message).toContain('11/23/2026');
  });

  it('a 29 February child on 28 February of a common year turns the limit tomorrow', () => {
    const v = childVerdict(child({ dateOfBirth: '2008-02-29' }), SETTINGS, '2026-02-28');
    expect(v.kind).toBe('eligible');
    expect(v.warnings.find((w) => w.code === 'turns_minor_limit_soon')!.message).toContain('03/01/2026');
  });

  it.each([
    ['91 days before', '2009-02-21'],
    ['100 days before', '2009-03-02'],
    ['a year before', '2009-11-22'],
  ])('%s the 18th birthday → no turns_minor_limit_soon warning', (_label, dateOfBirth) => {
    const v = childVerdict(child({ dateOfBirth }), SETTINGS, TODAY);
    expect(v.kind).toBe('eligible');
    expect(codes(v.warnings)).not.toContain('turns_minor_limit_soon');
  });

  it('the warning window is 90 days', () => {
    expect(MINOR_LIMIT_WARNING_DAYS).toBe(90);
  });

  it.each([
    // dateOfBirth, adolescentAge, warned
    ['2013-11-22', 13, true], // 13 today
    ['2013-11-23', 13, false], // 12, turns 13 tomorrow
    ['2010-05-01', 13, true], // 16
    ['2014-11-22', 12, true], // 12 with a limit of 12
    ['2014-11-22', 13, false],
    ['2013-11-22', 0, false], // 0 turns the warning off
    ['2010-05-01', 0, false],
  ])('born %s, adolescentAge %i → adolescent warning: %s', (dateOfBirth, adolescentAge, warned) => {
    const v = childVerdict(child({ dateOfBirth }), { ...SETTINGS, adolescentAge }, TODAY);
    expect(v.kind).toBe('eligible');
    expect(codes(v.warnings).includes('adolescent_confidentiality')).toBe(warned);
    if (warned) {
      expect(v.warnings.find((w) => w.code === 'adolescent_confidentiality')!.message).toContain(String(adolescentAge));
    }
  });

  it('a held PIN is described with when, by whom and how, and the child stays eligible', () => {
    const v = childVerdict(child({ heldPin: '12 minutes ago by Dana (printed)' }), SETTINGS, TODAY);
    expect(v.kind).toBe('eligible');
    const held = v.warnings.filter((w) => w.code === 'pin_held');
    expect(held).toHaveLength(1);
    expect(held[0]!.message).toBe('PIN issued 12 minutes ago by Dana (printed). Not issued again unless you replace it.');
  });

  it('all three warnings at once still leave the child eligible', () => {
    const v = childVerdict(child({ dateOfBirth: '2008-12-01', heldPin: 'on 11/01/2026 at 9:00 AM by Dana (printed)' }), SETTINGS, TODAY);
    expect(v.kind).toBe('eligible');
    expect(v.reasons).toEqual([]);
    expect(codes(v.warnings).sort()).toEqual(['adolescent_confidentiality', 'pin_held', 'turns_minor_limit_soon']);
  });
});

describe('childVerdict: no eligible Primary Contact (SPEC 3.2 step 2)', () => {
  it('Sort 1 without authority or residence, another contact with a right: the clerk chooses, the child is not blocked', () => {
    const v = childVerdict(child({ hasEligibleGuardian: false, noGuardian: { sortOneName: 'Rosa Perez', otherRecipients: 1 } }), SETTINGS, TODAY);
    expect(v.kind).toBe('needs_recipient');
    expect(codes(v.reasons)).toEqual(['needs_recipient']);
    expect(v.reasons[0]!.message).toContain('Sort 1 (Rosa Perez) has no authority and does not live with Mia');
  });

  it('nobody with authority or residence: blocked, fix it in the practice system', () => {
    const v = childVerdict(child({ hasEligibleGuardian: false, noGuardian: { sortOneName: 'Rosa Perez', otherRecipients: 0 } }), SETTINGS, TODAY);
    expect(v.kind).toBe('blocked');
    expect(v.reasons[0]).toMatchObject({
      code: 'no_eligible_guardian',
      message: expect.stringContaining('no other contact has authority: fix it in the practice system'),
    });
  });

  it('a placeholder name still blocks a child who needs a recipient choice', () => {
    const v = childVerdict(
      child({ firstName: 'Baby Girl', hasEligibleGuardian: false, noGuardian: { sortOneName: null, otherRecipients: 2 } }),
      SETTINGS,
      TODAY,
    );
    expect(v.kind).toBe('blocked');
    expect(codes(v.reasons)).toEqual(['unofficial_name']);
  });
});
