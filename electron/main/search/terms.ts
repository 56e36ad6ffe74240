import { nameWords } from '../../../shared/domain/names';

/**
 * What a clerk may type to find a child: the child's names, chart number and date of birth, and
 * each linked contact's names, email and phone. Every term is stored once per patient and found
 * by prefix, so "lop", "03/14", "555-01" and "maria@" all hit an index range.
 */
export interface SearchablePatient {
  firstName: string;
  lastName: string;
  chartNumber: string;
  dateOfBirth: string | null;
}
export interface SearchableContact {
  firstName: string;
  lastName: string;
  email: string | null;
  mobilePhone: string | null;
  homePhone: string | null;
}

export function phoneDigits(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  return digits.length === 11 && digits.startsWith('1') ? digits.slice(1) : digits;
}

function nameTerms(value: string, out: Set<string>): void {
  const words = nameWords(value);
  for (const w of words) out.add(w);
  if (words.length > 1) out.add(words.join(''));
}

/**
 * Pair terms (issue 14): for every two distinct terms of a patient that each begin with two
 * letters, neither beginning the other, one term holding both two-letter beginnings ("kora" and "smith" give PAIR_MARK + "ko sm").
 * A query of two words such as "Ko Smit" then starts from the few patients holding both beginnings
 * instead of every "smit" (thousands of terms at 200,000 patients); the words themselves are still
 * checked against the patient's terms. The mark sorts before anything a clerk can type, so no typed
 * prefix ever reaches a pair term.
 *
 * "Letter" here is a-z or any character past ASCII (terms are lower-cased and without accents), and
 * the two beginnings are ordered by code point, so the rule is also plain SQL: migration 015 adds the
 * pair terms of a mirror indexed before from its stored terms (tests/unit/db/searchPairsMigration.test.ts
 * compares the two). A rule on the first two characters alone keeps the search exact: a typed word
 * and every term it begins share those two characters.
 */
export const PAIR_MARK = '\u0001';
const TWO_LETTERS = /^[a-z\u{80}-\u{10FFFF}]{2}/u;

/** The two letters a term or typed word begins with, or null when it does not begin with two letters. */
export function pairPrefix(word: string): string | null {
  return TWO_LETTERS.exec(word)?.[0] ?? null;
}

/** Code point order (SQLite's, on UTF-8), not UTF-16's: they differ past U+FFFF. */
function codePointBefore(a: string, b: string): boolean {
  for (let i = 0, j = 0; i < a.length && j < b.length; ) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(j)!;
    if (x !== y) return x < y;
    i += x > 0xffff ? 2 : 1;
    j += y > 0xffff ? 2 : 1;
  }
  return a.length <= b.length;
}

/** The pair term of two two-letter beginnings, whichever order they come in. */
export function pairTerm(a: string, b: string): string {
  return codePointBefore(a, b) ? `${PAIR_MARK}${a} ${b}` : `${PAIR_MARK}${b} ${a}`;
}

function addPairTerms(terms: Set<string>): void {
  const pairable: [term: string, prefix: string][] = [];
  for (const term of terms) {
    const prefix = pairPrefix(term);
    if (prefix !== null) pairable.push([term, prefix]);
  }
  for (let i = 0; i < pairable.length; i++) {
    const [a, pa] = pairable[i]!;
    for (let j = i + 1; j < pairable.length; j++) {
      const [b, pb] = pairable[j]!;
      // A term that begins the other ("mary", "mary.lopez@mail.com") is never needed with it: two
      // typed words found in the longer one alone would begin one another, and searchTokens keeps one.
      if (pa === pb && (a.startsWith(b) || b.startsWith(a))) continue;
      terms.add(pairTerm(pa, pb));
    }
  }
}

export function patientSearchTerms(patient: SearchablePatient, contacts: readonly SearchableContact[]): string[] {
  const terms = new Set<string>();
  nameTerms(patient.firstName, terms);
  nameTerms(patient.lastName, terms);
  const chart = patient.chartNumber.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (chart) terms.add(chart);
  const dob = /^(\d{4})-(\d{2})-(\d{2})$/.exec(patient.dateOfBirth ?? '');
  if (dob) {
    terms.add(`${dob[1]}${dob[2]}${dob[3]}`);
    terms.add(`${dob[2]}${dob[3]}${dob[1]}`);
  }
  for (const c of contacts) {
    nameTerms(c.firstName, terms);
    nameTerms(c.lastName, terms);
    const email = c.email?.trim().toLowerCase();
    if (email) terms.add(email);
    for (const phone of [c.mobilePhone, c.homePhone]) {
      if (!phone) continue;
      const digits = phoneDigits(phone);
      if (digits.length < 4) continue;
      terms.add(digits);
      if (digits.length > 7) terms.add(digits.slice(-7));
      terms.add(digits.slice(-4));
    }
  }
  addPairTerms(terms);
  return [...terms];
}

/**
 * Turns what was typed into prefix tokens, every one of which a patient must match. Dates
 * ("3/14/2019", "03/14", "2019-03-14") become the digits of a date term; phone-like input
 * becomes digits; an email stays whole; anything else is split into name words.
 */
export function searchTokens(text: string): string[] {
  const trimmed = text.trim();
  if (!trimmed) return [];
  const us = /^(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{0,4}))?$/.exec(trimmed);
  if (us) return [`${us[1]!.padStart(2, '0')}${us[2]!.padStart(2, '0')}${us[3] ?? ''}`];
  const iso = /^(\d{4})-(\d{1,2})(?:-(\d{1,2}))?$/.exec(trimmed);
  if (iso) return [`${iso[1]}${iso[2]!.padStart(2, '0')}${iso[3] ? iso[3].padStart(2, '0') : ''}`];
  if (trimmed.includes('@')) return [trimmed.toLowerCase()];
  if (/^[\d\s().+-]+$/.test(trimmed)) {
    const digits = trimmed.replace(/\D/g, '');
    return digits ? [digits.length === 11 && digits.startsWith('1') ? digits.slice(1) : digits] : [];
  }
  const words = [...new Set(nameWords(trimmed))];
  // A word that begins another ("ma" in "ma mar") asks nothing more: any term that has the longer
  // one has it. Longest first: the most selective word drives the index scan.
  return words.filter((w) => !words.some((o) => o !== w && o.startsWith(w))).sort((a, b) => b.length - a.length);
}

/** Exclusive upper bound of the prefix range [prefix, prefixEnd(prefix)). */
export function prefixEnd(prefix: string): string {
  return `${prefix}\u{10FFFF}`;
}
