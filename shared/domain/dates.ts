/**
 * Calendar dates are plain 'YYYY-MM-DD' strings (the practice's local date): no clock and no
 * time zone inside the rules. The caller decides what "today" is.
 */
export type IsoDate = string;

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export interface DateParts {
  year: number;
  month: number;
  day: number;
}

export function parseIsoDate(value: string): DateParts | null {
  const match = ISO_DATE.exec(value);
  if (!match) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  return { year, month, day };
}

export function isValidIsoDate(value: string): boolean {
  return parseIsoDate(value) !== null;
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
  return [31, isLeapYear(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
}

export function formatIsoDate({ year, month, day }: DateParts): IsoDate {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

function requireDate(value: IsoDate, what: string): DateParts {
  const parts = parseIsoDate(value);
  if (!parts) throw new RangeError(`${what} is not a valid YYYY-MM-DD date`);
  return parts;
}

/**
 * Whole years completed on `today`. A 29 February birthday is reached on 1 March in common
 * years: the child has not completed the year until 28 February has passed.
 */
export function ageOn(dateOfBirth: IsoDate, today: IsoDate): number {
  const birth = requireDate(dateOfBirth, 'date of birth');
  const now = requireDate(today, 'today');
  let age = now.year - birth.year;
  if (now.month < birth.month || (now.month === birth.month && now.day < birth.day)) age -= 1;
  return age;
}

/** The date on which someone born on `dateOfBirth` turns `years` (29 Feb → 1 Mar in common years). */
export function birthdayOfAge(dateOfBirth: IsoDate, years: number): IsoDate {
  const birth = requireDate(dateOfBirth, 'date of birth');
  const year = birth.year + years;
  if (birth.month === 2 && birth.day === 29 && !isLeapYear(year)) {
    return formatIsoDate({ year, month: 3, day: 1 });
  }
  return formatIsoDate({ year, month: birth.month, day: birth.day });
}

export function addDays(date: IsoDate, days: number): IsoDate {
  const { year, month, day } = requireDate(date, 'date');
  const utc = new Date(Date.UTC(year, month - 1, day + days));
  return formatIsoDate({ year: utc.getUTCFullYear(), month: utc.getUTCMonth() + 1, day: utc.getUTCDate() });
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: IsoDate, to: IsoDate): number {
  const a = requireDate(from, 'date');
  const b = requireDate(to, 'date');
  return Math.round((Date.UTC(b.year, b.month - 1, b.day) - Date.UTC(a.year, a.month - 1, a.day)) / 86_400_000);
}

/** The local calendar date of an instant in a given IANA time zone (the practice's zone). */
const dateFormats = new Map<string, Intl.DateTimeFormat>();

export function localDateIn(instant: Date, timeZone: string): IsoDate {
  // Building a DateTimeFormat costs far more than using one: keep one per zone.
  let format = dateFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dateFormats.set(timeZone, format);
  }
  const parts = format.formatToParts(instant);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

const zoneFormats = new Map<string, Intl.DateTimeFormat>();

/** The wall-clock parts (year, month, day, hour, minute, second) of an instant in an IANA time zone. */
export function wallPartsIn(instantMs: number, timeZone: string): Record<string, number> {
  let format = zoneFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    zoneFormats.set(timeZone, format);
  }
  const out: Record<string, number> = {};
  for (const p of format.formatToParts(new Date(instantMs))) if (p.type !== 'literal') out[p.type] = Number(p.value);
  return out;
}

/** Minutes the zone is ahead of UTC at that instant (New York in winter: -300). */
export function zoneOffsetMinutes(instantMs: number, timeZone: string): number {
  const p = wallPartsIn(instantMs, timeZone);
  const asUtc = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
  return Math.round((asUtc - Math.floor(instantMs / 1000) * 1000) / 60_000);
}

/** "03/14/2019": how a US front desk reads a date of birth. */
export function formatUsDate(date: IsoDate): string {
  const parts = parseIsoDate(date);
  if (!parts) return date;
  return `${String(parts.month).padStart(2, '0')}/${String(parts.day).padStart(2, '0')}/${parts.year}`;
}

/** The order a language writes a day in: "03/14/2019" (MDY, English) or "14/03/2019" (DMY, Spanish). */
export type DateOrder = 'MDY' | 'DMY';

/** One date format per language, so a parent's packet and email say the same day the same way. */
export function formatDateAs(order: DateOrder, date: IsoDate): string {
  if (order === 'MDY') return formatUsDate(date);
  const parts = parseIsoDate(date);
  if (!parts) return date;
  return `${String(parts.day).padStart(2, '0')}/${String(parts.month).padStart(2, '0')}/${parts.year}`;
}
