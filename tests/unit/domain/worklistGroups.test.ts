import { describe, expect, it } from 'vitest';
import type { WorklistProblem } from '../../../shared/bulk/api';
import { groupWorklistByGuardian, worklistChildCount, type WorklistEntry } from '../../../shared/domain/worklistGroups';

const NO_EMAIL: WorklistProblem = { code: 'missing_email', message: 'Email address is missing: the Bulk PIN email cannot reach this guardian.' };
const NO_REMINDER: WorklistProblem = { code: 'missing_reminder_method', message: 'Preferred reminder method is not set.' };
const NO_AUTHORITY: WorklistProblem = {
  code: 'no_authority_or_residence',
  message: 'Authority is None and "Resides with" is not ticked: set Joint or Exclusive authority or Resides with (the Portal column does not count).',
};
const NO_PRIMARY: WorklistProblem = { code: 'no_primary_contact', message: 'No Family Contact with Sort 1: this child is left out of Bulk PIN.' };
const maria = { firstName: 'Maria', lastName: 'Lopez', email: null, mobilePhone: '(617) 555-0142', preferredReminder: null };

function entry(
  patientId: string,
  patientName: string,
  contactId: string | null,
  problems: WorklistProblem[],
  link = { authority: 'Joint', residesWith: true },
): WorklistEntry {
  return {
    patientId,
    patientName,
    chartNumber: `C-${patientId}`,
    contactId,
    contact: contactId ? maria : null,
    authority: contactId ? link.authority : null,
    residesWith: contactId ? link.residesWith : false,
    problems,
  };
}

describe('groupWorklistByGuardian', () => {
  it('makes one row of a guardian with three children, their own problems once', () => {
    const rows = groupWorklistByGuardian([
      entry('ana', 'Ana Lopez', 'c-maria', [NO_EMAIL, NO_REMINDER]),
      entry('luis', 'Luis Lopez', 'c-maria', [NO_EMAIL, NO_REMINDER]),
      entry('sofia', 'Sofia Lopez', 'c-maria', [NO_EMAIL, NO_REMINDER]),
    ]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ key: 'contact:c-maria', contactId: 'c-maria', contact: maria, problems: [NO_EMAIL, NO_REMINDER] });
    expect(rows[0]!.children.map((c) => [c.patientName, c.chartNumber, c.problems])).toEqual([
      ['Ana Lopez', 'C-ana', []],
      ['Luis Lopez', 'C-luis', []],
      ['Sofia Lopez', 'C-sofia', []],
    ]);
    expect(worklistChildCount(rows)).toBe(3);
  });

  it.each<[string, WorklistEntry[], string[]]>([
    [
      'a link problem of one child of two names that child',
      [
        entry('ana', 'Ana Lopez', 'c-maria', [NO_EMAIL]),
        entry('luis', 'Luis Lopez', 'c-maria', [NO_EMAIL, NO_AUTHORITY], { authority: 'None', residesWith: false }),
      ],
      [NO_EMAIL.message, `Luis Lopez: ${NO_AUTHORITY.message}`],
    ],
    [
      'a link problem of every child is said once, without names',
      [entry('ana', 'Ana Lopez', 'c-maria', [NO_AUTHORITY]), entry('luis', 'Luis Lopez', 'c-maria', [NO_AUTHORITY])],
      [NO_AUTHORITY.message],
    ],
    [
      'two of three children concerned: both named',
      [
        entry('a', 'Ana Lopez', 'c-maria', [NO_AUTHORITY]),
        entry('l', 'Luis Lopez', 'c-maria', [NO_REMINDER]),
        entry('s', 'Sofia Lopez', 'c-maria', [NO_AUTHORITY]),
      ],
      [NO_REMINDER.message, `Ana Lopez and Sofia Lopez: ${NO_AUTHORITY.message}`],
    ],
  ])('%s', (_, entries, messages) => {
    const rows = groupWorklistByGuardian(entries);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.problems.map((p) => p.message)).toEqual(messages);
  });

  it('keeps each patient with no Primary Contact a row of their own, in the order given', () => {
    const rows = groupWorklistByGuardian([
      entry('kim', 'Kim Adams', null, [NO_PRIMARY]),
      entry('ana', 'Ana Lopez', 'c-maria', [NO_EMAIL]),
      entry('orphan', 'Oscar Lopez', null, [NO_PRIMARY]),
      entry('luis', 'Luis Lopez', 'c-maria', [NO_EMAIL]),
    ]);
    expect(rows.map((r) => [r.key, r.children.map((c) => c.patientName), r.problems.map((p) => p.code)])).toEqual([
      ['patient:kim', ['Kim Adams'], ['no_primary_contact']],
      ['contact:c-maria', ['Ana Lopez', 'Luis Lopez'], ['missing_email']],
      ['patient:orphan', ['Oscar Lopez'], ['no_primary_contact']],
    ]);
    expect(rows[0]).toMatchObject({ contactId: null, contact: null });
    expect(worklistChildCount(rows)).toBe(4);
  });

  it('keeps two guardians of one family apart', () => {
    const rows = groupWorklistByGuardian([entry('ana', 'Ana Lopez', 'c-maria', [NO_EMAIL]), entry('luis', 'Luis Lopez', 'c-jose', [NO_REMINDER])]);
    expect(rows.map((r) => r.key)).toEqual(['contact:c-maria', 'contact:c-jose']);
  });

  it('has nothing to group in an empty list', () => {
    expect(groupWorklistByGuardian([])).toEqual([]);
  });
});
