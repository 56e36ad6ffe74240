import { isWellFormedEmail } from './contactQuality';

/**
 * The one rule for "may a PIN be emailed to what this field holds" (SPEC 3.2 step 3, issue 11):
 * exactly one mailbox, nothing else. Real practice data holds "mom@x.com; dad@y.com", line
 * breaks pasted from other systems and display names ("Maria <maria@x.com>"); each is kept as it
 * is for the worklist but counts as no usable email, so the plan prints instead of emailing.
 * Used at import, pull, worklist fix, recipient change, issue and by the mailer. Pure.
 */

export type EmailProblem = 'missing' | 'two_addresses' | 'line_break' | 'display_name' | 'two_at' | 'malformed';

export type MailboxCheck = { ok: true; address: string } | { ok: false; problem: EmailProblem; message: string };

const PROBLEM_WORDS: Record<EmailProblem, string> = {
  missing: 'no email address',
  two_addresses: 'two addresses in one field',
  line_break: 'line break in the address',
  display_name: 'a name as well as the address',
  two_at: 'two "@" in the address',
  malformed: 'not a valid email address',
};

/** How the desk names the problem: "two addresses in one field". */
export function emailProblemWords(problem: EmailProblem): string {
  return PROBLEM_WORDS[problem];
}

function fail(problem: EmailProblem): MailboxCheck {
  return { ok: false, problem, message: PROBLEM_WORDS[problem] };
}

/** One mailbox, trimmed of surrounding spaces; anything else says what is wrong with it. */
export function checkMailbox(raw: string | null | undefined): MailboxCheck {
  if (raw === null || raw === undefined) return fail('missing');
  const value = raw.trim();
  if (value === '') return fail('missing');
  if (/[\r\n\u2028\u2029\u0085]/.test(value)) return fail('line_break');
  const ats = value.split('@').length - 1;
  if (/[,;]/.test(value) || (ats > 1 && /\s/.test(value))) return fail('two_addresses');
  if (/[<>"]/.test(value) || /\s/.test(value)) return fail('display_name');
  if (ats > 1) return fail('two_at');
  if (!isWellFormedEmail(value)) return fail('malformed');
  return { ok: true, address: value };
}

/** The address when the field holds exactly one usable mailbox, else null. */
export function usableEmail(raw: string | null | undefined): string | null {
  const check = checkMailbox(raw);
  return check.ok ? check.address : null;
}
