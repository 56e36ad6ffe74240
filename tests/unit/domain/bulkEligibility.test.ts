import { describe, expect, it } from 'vitest';
import type { ExclusionReason } from '../../../shared/bulk/api';
import { bulkPrimaryOf, bulkVerdict, type BulkPatient, type BulkPrimary } from '../../../shared/domain/bulkEligibility';
import { eligiblePrimaryContact, type ContactLink } from '../../../shared/domain/contacts';
import { PATIENT_STATUSES } from '../../../shared/domain/patient';

const TODAY = '2026-11-22';
const LIMIT = 18;

const patient = (overrides: Partial<BulkPatient> = {}): BulkPatient => ({ status: 'Active', dateOfBirth: '2019-03-14', ...overrides });

function link(overrides: Partial<ContactLink> = {}): ContactLink {
  return { contactId: 'c-rosa', sort: 1, relationship: 'Mother', authority: 'Joint', residesWith: true, portalFlag: false, ...overrides };
}
function primary(linkOverrides: Partial<ContactLink> = {}, email: string | null = 'rosa@example.com'): BulkPrimary {
  return { link: link(linkOverrides), email, firstName: 'Rosa', lastName: 'Perez' };
}

const reasonOf = (p: BulkPatient, pr: BulkPrimary | null, limit = LIMIT) => {
  const v = bulkVerdict(p, pr, limit, TODAY);
  return v.eligible ? 'eligible' : v.reason;
};

describe('bulkVerdict: eligible', () => {
  it.each([
    ['Joint, resides', { authority: 'Joint', residesWith: true }],
    ['Joint, does not reside', { authority: 'Joint', residesWith: false }],
    ['Exclusive, does not reside', { authority: 'Exclusive', residesWith: false }],
    ['no authority, resides', { authority: null, residesWith: true }],
    ['authority None, resides', { authority: 'None', residesWith: true }],
    ['Portal column set too (ignored)', { authority: 'Joint', residesWith: false, portalFlag: true }],
  ] as [string, Partial<ContactLink>][])('Active 7-year-old, Sort 1 %s, with email', (_label, overrides) => {
    expect(bulkVerdict(patient(), primary(overrides), LIMIT, TODAY)).toEqual({ eligible: true });
  });

  it('born today (age 0) is eligible', () => {
    expect(reasonOf(patient({ dateOfBirth: TODAY }), primary())).toBe('eligible');
  });
  it('the day before the 18th birthday is eligible', () => {
    expect(reasonOf(patient({ dateOfBirth: '2008-11-23' }), primary())).toBe('eligible');
  });
  it('an email with surrounding spaces still counts as present (the worklist flags quality)', () => {
    expect(reasonOf(patient(), primary({}, '  rosa@example.com '))).toBe('eligible');
  });
});

describe('bulkVerdict: each exclusion reason', () => {
  const statusCases: [string, ExclusionReason][] = [
    ['Inactive', 'status_inactive'],
    ['Transferred', 'status_transferred'],
    ['Deceased', 'status_deceased'],
    ['Merged', 'status_merged'],
    ['In Collections', 'status_in_collections'],
  ];
  it.each(statusCases)('status %s → %s, detail is the status', (status, reason) => {
    expect(bulkVerdict(patient({ status: status as BulkPatient['status'] }), primary(), LIMIT, TODAY)).toEqual({ eligible: false, reason, detail: status });
  });

  it('every non-Active status has its own reason', () => {
    const reasons = PATIENT_STATUSES.filter((s) => s !== 'Active').map((status) => reasonOf(patient({ status }), primary()));
    expect(new Set(reasons).size).toBe(PATIENT_STATUSES.length - 1);
    expect(reasons.every((r) => r.startsWith('status_'))).toBe(true);
  });

  it.each([
    ['null', null, 'No date of birth on file'],
    ['blank', '  ', 'No date of birth on file'],
    ['not a date', '2019-02-30', 'Date of birth on file ("2019-02-30") is not a real date'],
    ['in the future', '2027-01-05', 'Date of birth 01/05/2027 is in the future'],
  ])('date of birth %s → no_date_of_birth', (_label, dateOfBirth, detail) => {
    expect(bulkVerdict(patient({ dateOfBirth }), primary(), LIMIT, TODAY)).toEqual({ eligible: false, reason: 'no_date_of_birth', detail });
  });

  it.each([
    ['exactly 18 today', '2008-11-22', '18 (limit 18)'],
    ['19', '2007-06-01', '19 (limit 18)'],
    ['40', '1986-01-01', '40 (limit 18)'],
  ])('%s → over_minor_age', (_label, dateOfBirth, detail) => {
    expect(bulkVerdict(patient({ dateOfBirth }), primary(), LIMIT, TODAY)).toEqual({ eligible: false, reason: 'over_minor_age', detail });
  });

  it('the Minor Age Limit is a parameter (state rules differ)', () => {
    expect(reasonOf(patient({ dateOfBirth: '2007-06-01' }), primary(), 21)).toBe('eligible');
    expect(reasonOf(patient({ dateOfBirth: '2012-11-22' }), primary(), 14)).toBe('over_minor_age');
  });

  it('29 February birthday: not yet 18 on 28 February of a common year, 18 on 1 March', () => {
    const dob = '2008-02-29';
    expect(bulkVerdict(patient({ dateOfBirth: dob }), primary(), LIMIT, '2026-02-28')).toEqual({ eligible: true });
    expect(bulkVerdict(patient({ dateOfBirth: dob }), primary(), LIMIT, '2026-03-01')).toMatchObject({ reason: 'over_minor_age' });
  });

  it('no Sort-1 contact → no_primary_contact', () => {
    expect(bulkVerdict(patient(), null, LIMIT, TODAY)).toEqual({ eligible: false, reason: 'no_primary_contact', detail: 'No Family Contact with Sort 1' });
  });
  it('a link of another sort passed as primary still counts as no Primary Contact', () => {
    expect(reasonOf(patient(), primary({ sort: 2 }))).toBe('no_primary_contact');
    expect(reasonOf(patient(), primary({ sort: null }))).toBe('no_primary_contact');
  });

  it.each([
    ['no authority, does not reside', { authority: null, residesWith: false }],
    ['authority None, does not reside', { authority: 'None', residesWith: false }],
  ] as [string, Partial<ContactLink>][])('Sort 1 %s → primary_without_authority', (_label, overrides) => {
    expect(bulkVerdict(patient(), primary(overrides), LIMIT, TODAY)).toEqual({
      eligible: false,
      reason: 'primary_without_authority',
      detail: 'Sort 1 Rosa Perez has no authority and does not reside',
    });
  });
  it('the Portal column set on an ineligible Sort 1 does not make it eligible (and the detail says so)', () => {
    expect(bulkVerdict(patient(), primary({ authority: null, residesWith: false, portalFlag: true }), LIMIT, TODAY)).toEqual({
      eligible: false,
      reason: 'primary_without_authority',
      detail: 'Sort 1 Rosa Perez has no authority and does not reside (the Portal column does not count)',
    });
  });

  it.each([
    ['null', null],
    ['empty', ''],
    ['blank', '   '],
  ])('email %s → no_email', (_label, email) => {
    expect(bulkVerdict(patient(), primary({}, email), LIMIT, TODAY)).toEqual({
      eligible: false,
      reason: 'no_email',
      detail: 'Sort 1 Rosa Perez has no email address',
    });
  });
  // THE email rule (checkMailbox): a field the plan would print instead of emailing is no
  // address the campaign can use either; the detail quotes the field and says what is wrong.
  it.each([
    ['an "@" and nothing after it', 'mom@', 'not a valid email address'],
    ['two addresses in one field', 'mom@example.com; dad@example.com', 'two addresses in one field'],
    ['two addresses separated by a space', 'mom@example.com dad@example.com', 'two addresses in one field'],
    ['a line break between two addresses', 'mom@example.com\ndad@example.com', 'line break in the address'],
    ['a display name', 'Rosa Perez <rosa@example.com>', 'a name as well as the address'],
    ['two "@"', 'rosa@@example.com', 'two "@" in the address'],
    ['no domain dot', 'rosa@example', 'not a valid email address'],
  ])('email with %s → no_email, saying why', (_label, email, words) => {
    const v = bulkVerdict(patient(), primary({}, email), LIMIT, TODAY);
    expect(v).toMatchObject({ eligible: false, reason: 'no_email' });
    expect(v.eligible ? '' : v.detail).toMatch(new RegExp(`^Sort 1 Rosa Perez has no usable email address \\(".+": ${words.replace(/[()"]/g, '\\$&')}\\)$`));
  });
  it('quotes the field as it stands', () => {
    expect(bulkVerdict(patient(), primary({}, 'mom@'), LIMIT, TODAY)).toEqual({
      eligible: false,
      reason: 'no_email',
      detail: 'Sort 1 Rosa Perez has no usable email address ("mom@": not a valid email address)',
    });
  });
  it.each([
    ['a plain address', 'rosa@example.com'],
    ['a mistyped but well-formed domain (the worklist flags it)', 'rosa@gmial.com'],
    ['capitals and a plus tag', 'Rosa.Perez+kids@Example.COM'],
  ])('email with %s is usable → eligible', (_label, email) => {
    expect(reasonOf(patient(), primary({}, email))).toBe('eligible');
  });
  it('a contact without a name reads as "(no name)" in the detail', () => {
    const v = bulkVerdict(patient(), { link: link(), email: null }, LIMIT, TODAY);
    expect(v).toEqual({ eligible: false, reason: 'no_email', detail: 'Sort 1 (no name) has no email address' });
  });
});

describe('bulkVerdict: order of reasons (the first failing rule wins)', () => {
  const none = primary({ authority: null, residesWith: false }, null);
  it.each([
    ['Inactive, no DOB, no contact', patient({ status: 'Inactive', dateOfBirth: null }), null, 'status_inactive'],
    ['Deceased and 40', patient({ status: 'Deceased', dateOfBirth: '1986-01-01' }), none, 'status_deceased'],
    ['no DOB, no contact', patient({ dateOfBirth: null }), null, 'no_date_of_birth'],
    ['over the limit, no contact', patient({ dateOfBirth: '2000-01-01' }), null, 'over_minor_age'],
    ['over the limit, Sort 1 without authority or email', patient({ dateOfBirth: '2000-01-01' }), none, 'over_minor_age'],
    ['Sort 1 without authority and without email', patient(), none, 'primary_without_authority'],
  ] as [string, BulkPatient, BulkPrimary | null, ExclusionReason][])('%s → %s', (_label, p, pr, reason) => {
    expect(reasonOf(p, pr)).toBe(reason);
  });
});

describe('bulkPrimaryOf: only Sort 1 counts, the Portal column never does', () => {
  const mother = link({ contactId: 'c-mother', sort: 1, authority: null, residesWith: false, portalFlag: true });
  const father = link({ contactId: 'c-father', sort: 2, authority: 'Joint', residesWith: true });
  it('Sort 2 with authority does not rescue a Sort 1 without authority', () => {
    const chosen = bulkPrimaryOf([mother, father]);
    expect(chosen?.contactId).toBe('c-mother');
    expect(reasonOf(patient(), { link: chosen!, email: 'm@example.com', firstName: 'Ana', lastName: 'Diaz' })).toBe('primary_without_authority');
  });
  it('no Sort-1 link at all → null (no Primary Contact)', () => {
    expect(bulkPrimaryOf([father])).toBeNull();
    expect(bulkPrimaryOf([])).toBeNull();
  });
  it('two Sort-1 links: the eligible one wins whatever the order, as in the PIN wizard', () => {
    const eligible = link({ contactId: 'c-z', authority: 'Exclusive', residesWith: false });
    expect(bulkPrimaryOf([mother, eligible])?.contactId).toBe('c-z');
    expect(bulkPrimaryOf([eligible, mother])?.contactId).toBe('c-z');
    expect(bulkPrimaryOf([mother, eligible])).toBe(eligiblePrimaryContact([mother, eligible]));
  });
  it('agrees with eligiblePrimaryContact: eligible verdict ⇔ an eligible Primary Contact with an email', () => {
    const variants: ContactLink[] = [];
    for (const authority of ['Joint', 'Exclusive', 'None', null] as const) {
      for (const residesWith of [true, false]) {
        for (const portalFlag of [true, false]) {
          for (const sort of [1, 2, null]) variants.push(link({ authority, residesWith, portalFlag, sort }));
        }
      }
    }
    for (const l of variants) {
      const chosen = bulkPrimaryOf([l]);
      const verdict = bulkVerdict(patient(), chosen ? { link: chosen, email: 'x@example.com' } : null, LIMIT, TODAY);
      expect(verdict.eligible).toBe(eligiblePrimaryContact([l]) !== null);
    }
  });
});
