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
  const words = nameWords(trimmed);
  // Longest first: the most selective word drives the index scan.
  return [...new Set(words)].sort((a, b) => b.length - a.length);
}

/** Exclusive upper bound of the prefix range [prefix, prefixEnd(prefix)). */
export function prefixEnd(prefix: string): string {
  return `${prefix}\u{10FFFF}`;
}
