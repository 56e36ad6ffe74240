import { daysInMonth, formatIsoDate } from '../../../shared/domain/dates';
import { PATIENT_STATUSES, type Authority, type PatientStatus, type ReminderMethod } from '../../../shared/domain/patient';

/**
 * Cell readers for practice exports. Each takes the trimmed text of a non-blank cell and gives
 * the stored value or the reason it cannot be read, phrased for the person fixing the file:
 * "Date of birth '13/45/2019' is not a date (expected MM/DD/YYYY)".
 */

export type Read<T> = { ok: true; value: T } | { ok: false; message: string };

const ok = <T>(value: T): Read<T> => ({ ok: true, value });
const bad = (message: string): Read<never> => ({ ok: false, message });

/** Collapses inner runs of spaces (tabs and line breaks included); the reader already trimmed. */
export function tidySpaces(value: string): string {
  return value.replace(/\s+/g, ' ').trim();
}

function validDate(year: number, month: number, day: number): boolean {
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

const US_DATE = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/;
const ISO_DATE = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$/;
const SHORT_YEAR = /^\d{1,2}[/.-]\d{1,2}[/.-]\d{2}$/;
/** Exports from SQL tools often add a midnight time to a date column. */
const MIDNIGHT = /[ T]0?0:00(:00(\.0+)?)?(\s*AM)?$/i;

/**
 * A calendar date as 'YYYY-MM-DD'. Accepts M/D/YYYY, MM/DD/YYYY, MM-DD-YYYY (US month first)
 * and YYYY-MM-DD; refuses 2-digit years (1/2/19: 1919 or 2019?) and impossible dates.
 */
export function readDate(label: string, raw: string): Read<string> {
  const value = raw.replace(MIDNIGHT, '').trim();
  const expected = `(expected MM/DD/YYYY)`;
  if (SHORT_YEAR.test(value)) return bad(`${label} '${raw}' has a 2-digit year; write the year in full ${expected}`);
  const us = US_DATE.exec(value);
  const iso = us ? null : ISO_DATE.exec(value);
  let year: number, month: number, day: number;
  if (us) {
    [month, day, year] = [Number(us[1]), Number(us[2]), Number(us[3])];
  } else if (iso) {
    [year, month, day] = [Number(iso[1]), Number(iso[2]), Number(iso[3])];
  } else {
    return bad(`${label} '${raw}' is not a date ${expected}`);
  }
  if (!validDate(year, month, day)) return bad(`${label} '${raw}' is not a date ${expected}`);
  if (year < 1900) return bad(`${label} '${raw}' is before 1900; check the year ${expected}`);
  return ok(formatIsoDate({ year, month, day }));
}

/** A date of birth: a date, and not after `today`. */
export function readDateOfBirth(label: string, raw: string, today: string): Read<string> {
  const date = readDate(label, raw);
  if (date.ok && date.value > today) return bad(`${label} '${raw}' is in the future`);
  return date;
}

const TIME_12 = /^(\d{1,2})(?::(\d{2}))?(?::(\d{2}))?\s*([ap])\.?\s*m?\.?$/i;
const TIME_24 = /^(\d{1,2}):(\d{2})(?::(\d{2})(\.\d+)?)?$/;

/** A time of day as 'HH:MM': 2:30 PM, 2:30PM, 2 pm, 14:30, 14:30:00. */
export function readTime(label: string, raw: string): Read<string> {
  const value = raw.trim();
  let hour: number;
  let minute: number;
  const m = TIME_12.exec(value);
  const m24 = m ? null : TIME_24.exec(value);
  if (m) {
    hour = Number(m[1]);
    minute = Number(m[2] ?? 0);
    if (hour < 1 || hour > 12 || minute > 59) return bad(`${label} '${raw}' is not a time (expected e.g. 2:30 PM or 14:30)`);
    const pm = m[4]!.toLowerCase() === 'p';
    hour = (hour % 12) + (pm ? 12 : 0);
  } else if (m24) {
    hour = Number(m24[1]);
    minute = Number(m24[2]);
    if (hour > 23 || minute > 59 || Number(m24[3] ?? 0) > 59) return bad(`${label} '${raw}' is not a time (expected e.g. 2:30 PM or 14:30)`);
  } else {
    return bad(`${label} '${raw}' is not a time (expected e.g. 2:30 PM or 14:30)`);
  }
  return ok(`${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`);
}

/** A local date and time as 'YYYY-MM-DDTHH:MM': "11/22/2026 2:30 PM", "2026-11-22 14:30", "2026-11-22T14:30". */
export function readDateTime(label: string, raw: string): Read<string> {
  const value = raw.trim();
  const m = /^(\S+?)(?:T|\s+)(.+)$/.exec(value);
  const expected = '(expected MM/DD/YYYY h:mm AM/PM)';
  if (!m) {
    const dateOnly = readDate(label, value);
    return bad(dateOnly.ok ? `${label} '${raw}' has no time ${expected}` : `${label} '${raw}' is not a date and time ${expected}`);
  }
  const date = readDate(label, m[1]!);
  const time = readTime(label, m[2]!.replace(/([+-]\d{2}:?\d{2}|Z)$/i, ''));
  if (!date.ok || !time.ok) return bad(`${label} '${raw}' is not a date and time ${expected}`);
  return ok(`${date.value}T${time.value}`);
}

const STATUS_BY_KEY = new Map<string, PatientStatus>(PATIENT_STATUSES.map((s) => [s.toLowerCase().replace(/[^a-z]/g, ''), s]));

export function readStatus(label: string, raw: string): Read<PatientStatus> {
  const status = STATUS_BY_KEY.get(raw.toLowerCase().replace(/[^a-z]/g, ''));
  if (status) return ok(status);
  return bad(`${label} '${raw}' is not a patient status (expected one of ${PATIENT_STATUSES.join(', ')})`);
}

const SEX: Record<string, 'F' | 'M' | 'X' | null> = {
  f: 'F',
  female: 'F',
  m: 'M',
  male: 'M',
  x: 'X',
  u: null,
  unknown: null,
};

export function readSex(label: string, raw: string): Read<'F' | 'M' | 'X' | null> {
  const key = raw.toLowerCase().replace(/[^a-z]/g, '');
  if (key in SEX) return ok(SEX[key]!);
  return bad(`${label} '${raw}' is not a sex (expected M, F, X, Male, Female or blank)`);
}

const YES = new Set(['y', 'yes', 'true', 't', '1', 'x', '✓', '✔']);
const NO = new Set(['n', 'no', 'false', 'f', '0']);

/** Y/N, Yes/No, True/False, 1/0, X (ticked); blank is no. */
export function readFlag(label: string, raw: string): Read<boolean> {
  const key = raw.trim().toLowerCase();
  if (YES.has(key)) return ok(true);
  if (NO.has(key)) return ok(false);
  return bad(`${label} '${raw}' is not yes or no (expected Y, N, Yes, No, True, False, 1, 0, X or blank)`);
}

const AUTHORITY: Record<string, Authority> = { joint: 'Joint', exclusive: 'Exclusive', none: 'None' };

export function readAuthority(label: string, raw: string): Read<Authority> {
  const value = AUTHORITY[raw.toLowerCase().replace(/[^a-z]/g, '')];
  if (value) return ok(value);
  return bad(`${label} '${raw}' is not an authority (expected Joint, Exclusive, None or blank)`);
}

const REMINDER: Record<string, ReminderMethod> = {
  email: 'Email',
  text: 'Text',
  textmessage: 'Text',
  sms: 'Text',
  phone: 'Phone',
  phonecall: 'Phone',
  call: 'Phone',
  voice: 'Phone',
  none: 'None',
};

export function readReminder(label: string, raw: string): Read<ReminderMethod> {
  const value = REMINDER[raw.toLowerCase().replace(/[^a-z]/g, '')];
  if (value) return ok(value);
  return bad(`${label} '${raw}' is not a reminder method (expected Email, Text, SMS, Phone, None or blank)`);
}

const LANGUAGE: Record<string, string> = { en: 'en', eng: 'en', english: 'en', es: 'es', spa: 'es', spanish: 'es', espanol: 'es' };

export function readLanguage(label: string, raw: string): Read<string> {
  const key = raw
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z]/g, '');
  const value = LANGUAGE[key];
  if (value) return ok(value);
  return bad(`${label} '${raw}' is not a language this app knows (expected en, es, English, Spanish or blank)`);
}

/** Sort: a whole number (1 = Primary Contact). */
export function readSort(label: string, raw: string): Read<number> {
  const value = raw.trim().replace(/\.0+$/, '');
  if (!/^\d{1,4}$/.test(value)) return bad(`${label} '${raw}' is not a whole number (expected 1 for the Primary Contact, 2, 3…)`);
  return ok(Number(value));
}

/**
 * A US phone number as "(617) 555-0142" when it has 10 digits (or 11 starting with 1), with any
 * punctuation and an optional extension dropped. Anything else is kept as written: the data
 * quality worklist flags numbers that are not valid, so they must reach the mirror.
 */
export function normalizePhone(raw: string): string {
  const main = raw.split(/\s*(?:x|ext\.?|extension)\s*\d+\s*$/i)[0]!;
  if (!/^[\d\s().+\-/]+$/.test(main)) return tidySpaces(raw);
  let digits = main.replace(/\D/g, '');
  if (digits.length === 11 && digits.startsWith('1')) digits = digits.slice(1);
  if (digits.length !== 10) return tidySpaces(raw);
  return `(${digits.slice(0, 3)}) ${digits.slice(3, 6)}-${digits.slice(6)}`;
}
