import { wallPartsIn, zoneOffsetMinutes } from '../../../shared/domain/dates';

/**
 * Appointment times: FHIR carries instants with an offset ("2026-11-22T08:00:00-05:00"); the
 * desk's check-in list keeps the practice's wall-clock time ("2026-11-22T08:00"). Both ways, in
 * the practice's IANA zone. Pure.
 */

const pad = (n: number) => String(n).padStart(2, '0');

/** "2026-11-22T13:00:00Z" in America/New_York → "2026-11-22T08:00"; a time without offset is taken as written. Null when unreadable. */
export function wallTimeIn(value: string, timeZone: string): string | null {
  const local = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2})(:\d{2}(\.\d+)?)?$/.exec(value);
  if (local) return local[1]!;
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value)) return null;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) return null;
  const p = wallPartsIn(ms, timeZone);
  return `${p.year}-${pad(p.month!)}-${pad(p.day!)}T${pad(p.hour!)}:${pad(p.minute!)}`;
}

/** "2026-11-22T08:00" in America/New_York → "2026-11-22T08:00:00-05:00". */
export function instantOfWallTime(wall: string, timeZone: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(wall);
  if (!m) throw new RangeError(`not a wall-clock time: ${wall}`);
  const asUtc = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]));
  let offset = zoneOffsetMinutes(asUtc, timeZone);
  offset = zoneOffsetMinutes(asUtc - offset * 60_000, timeZone);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${wall}:00${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}
