/**
 * Data-quality checks for a Primary Contact (Sort 1) of an Active patient (SPEC 3.5, seed: "Do
 * your patients' Primary Contact records include ... First and Last Name, Email address, Mobile #,
 * Resides with? or Authority of Joint or Exclusive, Preferred Reminder method"). Beyond presence,
 * likely-wrong values are flagged: an email field that is not exactly one mailbox (named the way
 * checkMailbox names it: two addresses, a line break, a name beside the address...), mistyped
 * well-known domains, mobile numbers that cannot be North American numbers. Pure: the worklist
 * and its tests share it.
 */
import type { QualityProblem } from './worklist';
import { hasAccessRight, type ContactLink } from './contacts';
import { addressInside, checkMailbox, emailProblemWords, type EmailProblem } from './email';
import type { Authority, ReminderMethod } from './patient';
import { cleanText } from './textHygiene';

export interface QualityContact {
  firstName: string;
  lastName: string;
  email: string | null;
  mobilePhone: string | null;
  preferredReminder: ReminderMethod | null;
}

export type QualityLink = Pick<ContactLink, 'authority' | 'residesWith'>;

export interface ContactProblem {
  code: QualityProblem;
  message: string;
}

const blank = (value: string | null | undefined): boolean => value === null || value === undefined || value.trim() === '';

// ---- email ---------------------------------------------------------------------------------

export { isWellFormedEmail } from './email';

/** Well-known mailbox providers whose near misses are flagged as typos. */
export const COMMON_EMAIL_DOMAINS = [
  'gmail.com',
  'yahoo.com',
  'hotmail.com',
  'outlook.com',
  'icloud.com',
  'aol.com',
  'comcast.net',
  'msn.com',
  'live.com',
] as const;

/**
 * Real mailbox domains that sit within the typo distance of a common one ("ymail.com" is one
 * letter from "gmail.com", "me.com" two from "msn.com"): never flagged.
 */
const KNOWN_REAL_DOMAINS = new Set([
  'ymail.com',
  'rocketmail.com',
  'mail.com',
  'email.com',
  'gmx.com',
  'gmx.net',
  'googlemail.com',
  'me.com',
  'mac.com',
  'aim.com',
  'att.net',
  'cox.net',
  'msn.net',
  'sbcglobal.net',
  'verizon.net',
  'charter.net',
  'earthlink.net',
  'optonline.net',
  'bellsouth.net',
  'frontier.com',
  'juno.com',
  'netzero.net',
  'hotmail.ca',
  'hotmail.fr',
  'hotmail.es',
  'hotmail.it',
  'hotmail.de',
  'yahoo.ca',
  'yahoo.fr',
  'yahoo.es',
  'yahoo.de',
  'yahoo.it',
  'yahoo.in',
  'live.ca',
  'live.fr',
  'live.de',
  'live.it',
  'live.nl',
  'live.net',
  'outlook.es',
  'outlook.fr',
  'outlook.de',
  'comcast.com',
  'proton.me',
  'pm.me',
  'duck.com',
  'hey.com',
  'zoho.com',
  'aol.de',
  'aol.fr',
  'aon.com',
]);

/** Top-level domains mistyped for .com, .net and .org. */
const TLD_TYPOS: Record<string, string> = {
  con: 'com',
  cmo: 'com',
  ocm: 'com',
  cpm: 'com',
  vom: 'com',
  xom: 'com',
  comm: 'com',
  coom: 'com',
  cim: 'com',
  clm: 'com',
  cok: 'com',
  nte: 'net',
  ner: 'net',
  nett: 'net',
  ogr: 'org',
  orgg: 'org',
};

/**
 * Optimal-string-alignment distance (Levenshtein plus adjacent transposition, each counting 1):
 * "gmial" is one edit from "gmail", not two. Stops early once `max` cannot be met.
 */
export function editDistance(a: string, b: string, max = Number.POSITIVE_INFINITY): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const rows = a.length + 1;
  const cols = b.length + 1;
  let prevPrev = new Array<number>(cols).fill(0);
  let prev = Array.from({ length: cols }, (_, j) => j);
  let cur = new Array<number>(cols).fill(0);
  for (let i = 1; i < rows; i++) {
    cur[0] = i;
    let rowMin = i;
    for (let j = 1; j < cols; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      let d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a.charCodeAt(i - 1) === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === b.charCodeAt(j - 1)) {
        d = Math.min(d, prevPrev[j - 2]! + 1);
      }
      cur[j] = d;
      if (d < rowMin) rowMin = d;
    }
    if (rowMin > max) return max + 1;
    [prevPrev, prev, cur] = [prev, cur, prevPrev];
  }
  return prev[cols - 1]!;
}

/** The allowed distance to a common domain: one edit for the short ones (aol, msn, live), else two. */
function typoBudget(domain: string): number {
  return domain.indexOf('.') <= 4 ? 1 : 2;
}

/** Domains repeat (gmail.com...): each distinct one is judged once; bounded for odd data. */
const suggestionCache = new Map<string, string | null>();

/**
 * The domain an address was probably meant to have ("gmial.com" → "gmail.com", "example.con" →
 * "example.com"), or null when the domain looks intended. Case-insensitive.
 */
export function suggestEmailDomain(domainInput: string): string | null {
  const domain = domainInput.trim().toLowerCase();
  const cached = suggestionCache.get(domain);
  if (cached !== undefined) return cached;
  const result = computeSuggestion(domain);
  if (suggestionCache.size > 5_000) suggestionCache.clear();
  suggestionCache.set(domain, result);
  return result;
}

function computeSuggestion(domain: string): string | null {
  if ((COMMON_EMAIL_DOMAINS as readonly string[]).includes(domain) || KNOWN_REAL_DOMAINS.has(domain)) return null;
  let best: string | null = null;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const common of COMMON_EMAIL_DOMAINS) {
    const budget = typoBudget(common);
    const d = editDistance(domain, common, budget);
    if (d <= budget && d < bestDistance) {
      best = common;
      bestDistance = d;
    }
  }
  if (best) return best;
  const dot = domain.lastIndexOf('.');
  if (dot > 0) {
    const fixedTld = TLD_TYPOS[domain.slice(dot + 1)];
    if (fixedTld) return `${domain.slice(0, dot)}.${fixedTld}`;
  }
  return null;
}

// ---- mobile --------------------------------------------------------------------------------

export type MobileCheck = { ok: true; digits: string; formatted: string } | { ok: false; why: string };

/**
 * A North American (NANP) number: ten digits once formatting and a leading country code 1 are
 * stripped; the area code and the exchange start with 2–9 and are not N11 service codes
 * (411, 911...). 555-0100…555-0199 are fictional but well-formed, so they pass. Ten identical
 * digits ("555-555-5555") are placeholders, not numbers.
 */
export function checkMobile(value: string): MobileCheck {
  const trimmed = value.trim();
  const why = mobileWhy(trimmed);
  if (why !== null) return { ok: false, why };
  let digits = trimmed.replace(/\D/g, '');
  if (digits.length === 11) digits = digits.slice(1);
  return { ok: true, digits, formatted: `(${digits.slice(0, 3)}) ${digits.slice(3, 6)}-${digits.slice(6)}` };
}

/** The first digits of a number (checkMobile reads ten, after a leading country code 1). */
const mobileDigits = new Uint8Array(11);

/**
 * Why a trimmed number is not a NANP number (checkMobile's words), or null when it is one. Reads
 * the digits in place: the worklist judges every Primary Contact's number, and making strings for
 * each (the digits, the area code, the formatted number) was most of what the pass allocated.
 */
function mobileWhy(trimmed: string): string | null {
  if (!/^\+?[\d\s().-]+$/.test(trimmed)) return 'it contains letters or symbols';
  let n = 0;
  for (let i = 0; i < trimmed.length; i++) {
    const code = trimmed.charCodeAt(i);
    if (code < 0x30 || code > 0x39) continue;
    if (n < 11) mobileDigits[n] = code - 0x30;
    n += 1;
  }
  const first = n === 11 && mobileDigits[0] === 1 ? 1 : 0;
  if (n - first !== 10) return n === 7 ? 'the area code is missing' : `it has ${n} digits, not 10`;
  const digit = mobileDigits;
  const a0 = digit[first]!;
  const a1 = digit[first + 1]!;
  const a2 = digit[first + 2]!;
  const e0 = digit[first + 3]!;
  const e1 = digit[first + 4]!;
  const e2 = digit[first + 5]!;
  if (a0 < 2) return `area code ${a0}${a1}${a2} cannot start with ${a0}`;
  if (a1 === 1 && a2 === 1) return `${a0}${a1}${a2} is a service code, not an area code`;
  if (e0 < 2) return `the exchange ${e0}${e1}${e2} cannot start with ${e0}`;
  if (e1 === 1 && e2 === 1) return `${e0}${e1}${e2} is a service code, not an exchange`;
  let same = true;
  for (let i = first + 1; i < first + 10 && same; i++) same = digit[i] === a0;
  if (same) return 'it looks like a placeholder';
  return null;
}

// ---- the checks ----------------------------------------------------------------------------

export type EmailCheck =
  | { ok: true }
  | { ok: false; code: 'malformed_email'; problem: Exclude<EmailProblem, 'missing'>; message: string; suggestion: string | null }
  | { ok: false; code: 'email_domain_typo'; message: string; suggestion: string };
const OK: EmailCheck = Object.freeze({ ok: true });

/** What the administrator does about each problem. */
const EMAIL_ADVICE: Record<Exclude<EmailProblem, 'missing'>, string> = {
  two_addresses: 'Keep only the address of the guardian who will own the portal account.',
  line_break: 'Type the address again on one line.',
  display_name: 'Keep only the address.',
  two_at: 'Correct the address.',
  malformed: 'Correct the address.',
};

/** The field as the worklist quotes it: line breaks shown as ↵, other invisible characters dropped, long values cut. */
export function shownEmail(raw: string): string {
  const shown = cleanText(raw.trim().replace(/\r\n|[\r\n\u2028\u2029\u0085]/g, ' \u21b5 ')).text;
  return shown.length > 120 ? `${shown.slice(0, 119)}\u2026` : shown;
}

/**
 * Not exactly one usable mailbox (checkMailbox, the one rule the plan and the mailer follow: the
 * message names why), or one whose domain looks mistyped. `email` is not blank.
 */
export function checkEmail(email: string): EmailCheck {
  const mailbox = checkMailbox(email);
  if (!mailbox.ok) {
    const problem = mailbox.problem === 'missing' ? 'malformed' : mailbox.problem;
    const inside = problem === 'display_name' ? addressInside(email) : null;
    const advice = inside ? `Keep only the address (${inside}).` : EMAIL_ADVICE[problem];
    return {
      ok: false,
      code: 'malformed_email',
      problem,
      message: `Email "${shownEmail(email)}" cannot be used: ${emailProblemWords(problem)}. ${advice}`,
      suggestion: inside,
    };
  }
  const domain = mailbox.address.slice(mailbox.address.lastIndexOf('@') + 1).toLowerCase();
  const suggestion = suggestEmailDomain(domain);
  if (!suggestion) return OK;
  return { ok: false, code: 'email_domain_typo', message: `Email domain looks mistyped: ${domain} (did you mean ${suggestion}?)`, suggestion };
}

const AUTHORITY_WORDS: Record<Authority, string> = { Joint: 'Joint', Exclusive: 'Exclusive', None: 'None' };

/**
 * Everything wrong with a Primary Contact as linked to one patient, in a fixed order (name,
 * email, mobile, authority, reminder). Empty when the contact is campaign-ready.
 */
export function contactProblems(contact: QualityContact, link: QualityLink): ContactProblem[] {
  const problems: ContactProblem[] = [];
  if (blank(contact.firstName)) problems.push({ code: 'missing_first_name', message: 'First name is missing.' });
  if (blank(contact.lastName)) problems.push({ code: 'missing_last_name', message: 'Last name is missing.' });

  if (blank(contact.email)) {
    problems.push({ code: 'missing_email', message: 'Email address is missing: the Bulk PIN email cannot reach this guardian.' });
  } else {
    const check = checkEmail(contact.email!);
    if (!check.ok) problems.push({ code: check.code, message: check.message });
  }

  if (blank(contact.mobilePhone)) {
    problems.push({ code: 'missing_mobile', message: 'Mobile number is missing: the guardian cannot get a PIN by text.' });
  } else {
    const why = mobileWhy(contact.mobilePhone!.trim());
    if (why !== null) {
      problems.push({ code: 'invalid_mobile', message: `Mobile number "${contact.mobilePhone!.trim()}" is not a valid US/Canada number: ${why}.` });
    }
  }

  if (!hasAccessRight(link)) {
    const authority = link.authority ? `Authority is ${AUTHORITY_WORDS[link.authority]}` : 'Authority is empty';
    problems.push({
      code: 'no_authority_or_residence',
      message: `${authority} and "Resides with" is not ticked: set Joint or Exclusive authority or Resides with (the Portal column does not count).`,
    });
  }

  if (contact.preferredReminder === null) {
    problems.push({ code: 'missing_reminder_method', message: 'Preferred reminder method is not set.' });
  }
  return problems;
}

/**
 * A link whose Authority the EHR did not send (no authority extension): the FHIR load inferred it
 * from the relationship (issue 15), and the worklist asks someone to confirm it.
 */
export function inferredAuthorityProblem(authority: Authority | null, relationship: string): ContactProblem {
  const given = authority ? `Authority ${AUTHORITY_WORDS[authority]}` : 'An empty Authority';
  const from = relationship.trim() ? `the relationship (${relationship.trim()})` : 'the relationship';
  return {
    code: 'authority_inferred',
    message: `${given} was inferred from ${from} when the practice was loaded from the EHR, which did not send it: confirm it or choose the right one.`,
  };
}
