import { describe, expect, it } from 'vitest';
import {
  COMMON_EMAIL_DOMAINS,
  checkEmail,
  checkMobile,
  contactProblems,
  editDistance,
  inferredAuthorityProblem,
  isWellFormedEmail,
  suggestEmailDomain,
  type QualityContact,
  type QualityLink,
} from '../../../shared/domain/contactQuality';

const clean: QualityContact = {
  firstName: 'Rosa',
  lastName: 'Perez',
  email: 'rosa.perez@gmail.com',
  mobilePhone: '(617) 555-0142',
  preferredReminder: 'Text',
};
const joint: QualityLink = { authority: 'Joint', residesWith: true };
const codes = (contact: Partial<QualityContact>, link: QualityLink = joint) => contactProblems({ ...clean, ...contact }, link).map((p) => p.code);

describe('contactProblems', () => {
  it('a complete, plausible contact has no problems', () => {
    expect(contactProblems(clean, joint)).toEqual([]);
  });

  it.each([
    ['first name missing', { firstName: '' }, ['missing_first_name']],
    ['first name blank', { firstName: '   ' }, ['missing_first_name']],
    ['last name missing', { lastName: '' }, ['missing_last_name']],
    ['email missing', { email: null }, ['missing_email']],
    ['email blank', { email: ' ' }, ['missing_email']],
    ['email malformed', { email: 'rosa.perez @gmail' }, ['malformed_email']],
    ['email domain typo', { email: 'rosa@gmial.com' }, ['email_domain_typo']],
    ['mobile missing', { mobilePhone: null }, ['missing_mobile']],
    ['mobile without area code', { mobilePhone: '555-0142' }, ['invalid_mobile']],
    ['mobile with letters', { mobilePhone: 'call mom' }, ['invalid_mobile']],
    ['reminder method missing', { preferredReminder: null }, ['missing_reminder_method']],
    [
      'everything missing',
      { firstName: '', lastName: '', email: null, mobilePhone: null, preferredReminder: null },
      ['missing_first_name', 'missing_last_name', 'missing_email', 'missing_mobile', 'missing_reminder_method'],
    ],
  ] as [string, Partial<QualityContact>, string[]][])('%s → %j', (_label, contact, expected) => {
    expect(codes(contact)).toEqual(expected);
  });

  it('"None" is a recorded reminder choice, not a missing one', () => {
    expect(codes({ preferredReminder: 'None' })).toEqual([]);
  });

  it.each([
    [{ authority: null, residesWith: false }, ['no_authority_or_residence']],
    [{ authority: 'None', residesWith: false }, ['no_authority_or_residence']],
    [{ authority: 'Joint', residesWith: false }, []],
    [{ authority: 'Exclusive', residesWith: false }, []],
    [{ authority: null, residesWith: true }, []],
  ] as [QualityLink, string[]][])('link %j → %j', (link, expected) => {
    expect(codes({}, link)).toEqual(expected);
  });

  it('messages speak to an administrator', () => {
    const messages = contactProblems({ ...clean, email: 'rosa@gmial.com', mobilePhone: '123-456-7890' }, { authority: 'None', residesWith: false }).map(
      (p) => p.message,
    );
    expect(messages).toEqual([
      'Email domain looks mistyped: gmial.com (did you mean gmail.com?)',
      'Mobile number "123-456-7890" is not a valid US/Canada number: area code 123 cannot start with 1.',
      'Authority is None and "Resides with" is not ticked: set Joint or Exclusive authority or Resides with (the Portal column does not count).',
    ]);
  });
});

describe('the worklist names why an email field cannot be used (checkMailbox)', () => {
  it.each([
    [
      'victim@example.com, attacker@evil.example',
      'two_addresses',
      'Email "victim@example.com, attacker@evil.example" cannot be used: two addresses in one field. Keep only the address of the guardian who will own the portal account.',
    ],
    [
      'mom@x.com; dad@y.com',
      'two_addresses',
      'Email "mom@x.com; dad@y.com" cannot be used: two addresses in one field. Keep only the address of the guardian who will own the portal account.',
    ],
    [
      'victim2@example.com\r\nBcc: spy@evil.example',
      'line_break',
      'Email "victim2@example.com \u21b5 Bcc: spy@evil.example" cannot be used: line break in the address. Type the address again on one line.',
    ],
    [
      'Maria Lopez <maria@example.com>',
      'display_name',
      'Email "Maria Lopez <maria@example.com>" cannot be used: a name as well as the address. Keep only the address (maria@example.com).',
    ],
    ['maria@@example.com', 'two_at', 'Email "maria@@example.com" cannot be used: two "@" in the address. Correct the address.'],
    ['rosa.perez @gmail', 'malformed', 'Email "rosa.perez @gmail" cannot be used: not a valid email address. Correct the address.'],
  ])('%j → %s', (email, problem, message) => {
    expect(checkEmail(email)).toMatchObject({ ok: false, code: 'malformed_email', problem, message });
    expect(contactProblems({ ...clean, email }, joint)).toEqual([{ code: 'malformed_email', message }]);
  });

  it('a name beside the address suggests the address itself', () => {
    expect(checkEmail('Maria Lopez <maria@example.com>')).toMatchObject({ suggestion: 'maria@example.com' });
    expect(checkEmail('mom@x.com; dad@y.com')).toMatchObject({ suggestion: null });
  });

  it('a usable address with a mistyped domain still gets the domain suggestion', () => {
    expect(checkEmail('  rosa@gmial.com ')).toMatchObject({ ok: false, code: 'email_domain_typo', suggestion: 'gmail.com' });
  });
});

describe('email checks', () => {
  it.each(['rosa@gmail.com', 'rosa.perez+kids@example.org', "o'brien@example.co.uk", 'R.Perez@Sub.Example-Mail.com', 'a@b.io'])(
    '%s is well formed',
    (email) => {
      expect(isWellFormedEmail(email)).toBe(true);
      expect(checkEmail(email)).toEqual({ ok: true });
    },
  );

  it.each([
    'rosa',
    'rosa@',
    '@gmail.com',
    'rosa@@gmail.com',
    'rosa@gmail',
    'rosa @gmail.com',
    'rosa@gmail .com',
    'rosa..perez@gmail.com',
    '.rosa@gmail.com',
    'rosa.@gmail.com',
    'rosa@gmail..com',
    'rosa@-gmail.com',
    'rosa@gmail.c',
    'rosa@gmail.123',
    'rosa,perez@gmail.com',
    'rosa@gmail.com.',
    `${'a'.repeat(65)}@gmail.com`,
  ])('%s is malformed', (email) => {
    expect(isWellFormedEmail(email)).toBe(false);
    expect(checkEmail(email)).toMatchObject({ ok: false, code: 'malformed_email' });
  });

  it.each([
    ['gmial.com', 'gmail.com'],
    ['gmal.com', 'gmail.com'],
    ['gamil.com', 'gmail.com'],
    ['gmail.co', 'gmail.com'],
    ['gmail.con', 'gmail.com'],
    ['gmai.com', 'gmail.com'],
    ['GMIAL.COM', 'gmail.com'],
    ['yaho.com', 'yahoo.com'],
    ['yahooo.com', 'yahoo.com'],
    ['yhaoo.com', 'yahoo.com'],
    ['hotmial.com', 'hotmail.com'],
    ['hotmail.co', 'hotmail.com'],
    ['hotmai.com', 'hotmail.com'],
    ['outlok.com', 'outlook.com'],
    ['outloo.com', 'outlook.com'],
    ['iclod.com', 'icloud.com'],
    ['icloud.co', 'icloud.com'],
    ['aol.co', 'aol.com'],
    ['comcast.ner', 'comcast.net'],
    ['comcst.net', 'comcast.net'],
    ['msn.co', 'msn.com'],
    ['live.cm', 'live.com'],
    ['example.con', 'example.com'],
    ['example.cmo', 'example.com'],
    ['school.ogr', 'school.org'],
  ])('%s → did you mean %s?', (domain, suggestion) => {
    expect(suggestEmailDomain(domain)).toBe(suggestion);
    expect(checkEmail(`rosa@${domain}`)).toMatchObject({ ok: false, code: 'email_domain_typo', suggestion });
  });

  it.each([
    // the common domains themselves
    ...COMMON_EMAIL_DOMAINS,
    // real providers within reach of a common domain
    'ymail.com',
    'mail.com',
    'email.com',
    'me.com',
    'mac.com',
    'aim.com',
    'gmx.com',
    'yahoo.ca',
    'hotmail.ca',
    'live.ca',
    // ordinary domains
    'example.com',
    'bu.edu',
    'verizon.net',
    'att.net',
    'cox.net',
    'yahoo.co.uk',
    'hotmail.co.uk',
    'protonmail.com',
  ])('%s is not flagged', (domain) => {
    expect(suggestEmailDomain(domain)).toBeNull();
  });
});

describe('editDistance (optimal string alignment)', () => {
  it.each([
    ['gmail', 'gmail', 0],
    ['gmial', 'gmail', 1],
    ['gmal', 'gmail', 1],
    ['gamil', 'gmail', 1],
    ['yahooo', 'yahoo', 1],
    ['kitten', 'sitting', 3],
    ['', 'abc', 3],
  ])('%s ↔ %s = %i', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
    expect(editDistance(b, a)).toBe(d);
  });
  it('stops early past the budget', () => {
    expect(editDistance('protonmail.com', 'gmail.com', 2)).toBe(3);
  });
});

describe('checkMobile (North American numbers)', () => {
  it.each([
    ['(617) 555-0142', '(617) 555-0142'],
    ['617-555-0142', '(617) 555-0142'],
    ['617.555.0142', '(617) 555-0142'],
    ['6175550142', '(617) 555-0142'],
    ['1 617 555 0142', '(617) 555-0142'],
    ['+1 (617) 555-0199', '(617) 555-0199'],
    ['  413 555 0100 ', '(413) 555-0100'],
    ['(212) 736-5000', '(212) 736-5000'],
    ['12125550142', '(212) 555-0142'],
    ['222-223-2222', '(222) 223-2222'],
    ['222-222-2223', '(222) 222-2223'],
  ])('%s is valid → %s', (value, formatted) => {
    expect(checkMobile(value)).toEqual({ ok: true, digits: formatted.replace(/\D/g, ''), formatted });
  });

  it.each([
    ['555-0142', 'the area code is missing'],
    ['123-456-7890', 'area code 123 cannot start with 1'],
    ['(017) 555-0142', 'area code 017 cannot start with 0'],
    ['(911) 555-0142', '911 is a service code, not an area code'],
    ['(617) 155-0142', 'the exchange 155 cannot start with 1'],
    ['(617) 055-0142', 'the exchange 055 cannot start with 0'],
    ['(617) 411-0142', '411 is a service code, not an exchange'],
    ['555-555-5555', 'it looks like a placeholder'],
    ['617-555-01423', 'it has 11 digits, not 10'],
    ['2 617 555 0142', 'it has 11 digits, not 10'],
    ['+44 20 7946 0958', 'it has 12 digits, not 10'],
    ['617-555-0142 ext 12', 'it contains letters or symbols'],
    ['n/a', 'it contains letters or symbols'],
    ['', 'it contains letters or symbols'],
    ['1 911 555 0142', '911 is a service code, not an area code'],
    ['11111111111', 'area code 111 cannot start with 1'],
    ['222-222-2222', 'it looks like a placeholder'],
    ['1-222-222-2222', 'it looks like a placeholder'],
    ['617-555-014', 'it has 9 digits, not 10'],
    ['617 555 0142 617 555 0142', 'it has 20 digits, not 10'],
    ['(617) 511-0142', '511 is a service code, not an exchange'],
  ])('%s is invalid: %s', (value, why) => {
    expect(checkMobile(value)).toEqual({ ok: false, why });
  });
});

describe('inferredAuthorityProblem (issue 15: Authority inferred on the FHIR load)', () => {
  it.each([
    ['Joint', 'Mother', 'Authority Joint was inferred from the relationship (Mother)'],
    [null, 'Grandmother', 'An empty Authority was inferred from the relationship (Grandmother)'],
    ['Joint', '  ', 'Authority Joint was inferred from the relationship when'],
  ] as const)('%s from %j', (authority, relationship, start) => {
    const problem = inferredAuthorityProblem(authority, relationship);
    expect(problem.code).toBe('authority_inferred');
    expect(problem.message.startsWith(start)).toBe(true);
    expect(problem.message).toContain('confirm it or choose the right one.');
  });
});
