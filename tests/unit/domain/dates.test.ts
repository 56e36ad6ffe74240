import { describe, it, expect } from 'vitest';
import { addDays, ageOn, birthdayOfAge, daysBetween, formatUsDate, isValidIsoDate, localDateIn, parseIsoDate } from '../../../shared/domain/dates';

describe('ageOn', () => {
  it.each([
    // dateOfBirth, today, expected age
    ['2016-03-14', '2026-03-14', 10], // birthday on the day
    ['2016-03-14', '2026-03-13', 9], // the day before
    ['2016-03-14', '2026-03-15', 10],
    ['2016-03-14', '2026-02-28', 9], // earlier month
    ['2016-12-31', '2026-12-30', 9],
    ['2016-12-31', '2026-12-31', 10],
    ['2016-01-01', '2025-12-31', 9],
    ['2026-11-22', '2026-11-22', 0], // born today
    ['2026-11-23', '2026-11-22', -1], // future date of birth
    // 29 February births: a year older on 1 March in common years, on 29 Feb in leap years
    ['2020-02-29', '2021-02-28', 0],
    ['2020-02-29', '2021-03-01', 1],
    ['2020-02-29', '2024-02-28', 3],
    ['2020-02-29', '2024-02-29', 4],
    ['2008-02-29', '2026-02-28', 17],
    ['2008-02-29', '2026-03-01', 18],
    ['2000-02-29', '2100-02-28', 99], // 2100 is not a leap year
    ['2000-02-29', '2100-03-01', 100],
  ])('born %s, on %s → %i', (dob, today, expected) => {
    expect(ageOn(dob, today)).toBe(expected);
  });

  it.each([
    ['2023-02-29', '2026-01-01'],
    ['garbage', '2026-01-01'],
    ['2016-03-14', '2026-13-01'],
    ['2016-03-14', ''],
  ])('rejects invalid dates (%s, %s) with a RangeError', (dob, today) => {
    expect(() => ageOn(dob, today)).toThrow(RangeError);
  });
});

describe('birthdayOfAge', () => {
  it.each([
    ['2016-03-14', 18, '2034-03-14'],
    ['2016-12-31', 1, '2017-12-31'],
    ['2016-03-14', 0, '2016-03-14'],
    ['2008-02-29', 18, '2026-03-01'], // common year → 1 March
    ['2008-02-29', 16, '2024-02-29'], // leap year → 29 February
    ['2000-02-29', 100, '2100-03-01'], // 2100 is a common year
    ['2000-02-29', 400, '2400-02-29'], // 2400 is a leap year
  ])('born %s, turns %i on %s', (dob, years, expected) => {
    expect(birthdayOfAge(dob, years)).toBe(expected);
  });

  it.each([
    ['2016-03-14', 18],
    ['2008-02-29', 18],
    ['2008-02-29', 16],
    ['2012-02-29', 13],
    ['2016-12-31', 12],
    ['2017-01-01', 1],
  ])('agrees with ageOn: born %s reaches %i on that date and not the day before', (dob, years) => {
    const birthday = birthdayOfAge(dob, years);
    expect(ageOn(dob, birthday)).toBe(years);
    expect(ageOn(dob, addDays(birthday, -1))).toBe(years - 1);
  });
});

describe('addDays', () => {
  it.each([
    ['2026-11-22', 0, '2026-11-22'],
    ['2026-01-31', 1, '2026-02-01'], // month end
    ['2026-04-30', 1, '2026-05-01'],
    ['2026-02-28', 1, '2026-03-01'], // common February
    ['2024-02-28', 1, '2024-02-29'], // leap February
    ['2024-02-29', 1, '2024-03-01'],
    ['2026-12-31', 1, '2027-01-01'], // year end
    ['2027-01-01', -1, '2026-12-31'],
    ['2026-03-01', -1, '2026-02-28'],
    ['2024-03-01', -1, '2024-02-29'],
    ['2026-03-07', 1, '2026-03-08'], // US DST start: calendar dates ignore clocks
    ['2026-10-31', 1, '2026-11-01'], // US DST end
    ['2026-11-22', 90, '2027-02-20'],
    ['2026-01-01', 365, '2027-01-01'],
    ['2024-01-01', 366, '2025-01-01'],
    ['2026-11-22', -365, '2025-11-22'],
  ])('%s + %i days → %s', (date, days, expected) => {
    expect(addDays(date, days)).toBe(expected);
  });

  it('rejects an invalid date', () => {
    expect(() => addDays('2023-02-29', 1)).toThrow(RangeError);
  });
});

describe('daysBetween', () => {
  it.each([
    ['2026-11-22', '2026-11-22', 0],
    ['2026-11-22', '2026-11-23', 1],
    ['2026-11-23', '2026-11-22', -1], // negative when `to` is earlier
    ['2026-02-28', '2026-03-01', 1],
    ['2024-02-28', '2024-03-01', 2],
    ['2026-12-31', '2027-01-01', 1],
    ['2026-01-01', '2027-01-01', 365],
    ['2024-01-01', '2025-01-01', 366],
    ['2026-03-07', '2026-03-09', 2], // across DST start
    ['2026-10-31', '2026-11-02', 2], // across DST end
    ['2008-11-22', '2026-11-22', 6574],
  ])('from %s to %s → %i', (from, to, expected) => {
    expect(daysBetween(from, to)).toBe(expected);
  });

  it.each([
    ['2026-11-22', 100],
    ['2024-02-29', -366],
    ['2026-12-31', 1],
    ['2019-03-14', 4000],
  ])('is the inverse of addDays (%s, %i)', (date, days) => {
    expect(daysBetween(date, addDays(date, days))).toBe(days);
  });
});

describe('parseIsoDate / isValidIsoDate', () => {
  it.each([
    ['2024-02-29', { year: 2024, month: 2, day: 29 }],
    ['2000-02-29', { year: 2000, month: 2, day: 29 }],
    ['2026-11-22', { year: 2026, month: 11, day: 22 }],
    ['2026-12-31', { year: 2026, month: 12, day: 31 }],
    ['2026-01-01', { year: 2026, month: 1, day: 1 }],
  ])('parses %s', (value, expected) => {
    expect(parseIsoDate(value)).toEqual(expected);
    expect(isValidIsoDate(value)).toBe(true);
  });

  it.each([
    '2023-02-29', // not a leap year
    '1900-02-29', // century, not a leap year
    '2024-13-01', // month 13
    '2024-00-10',
    '2024-04-31', // April has 30 days
    '2024-01-00',
    '2024-01-32',
    '2024-1-5', // not zero-padded
    '24-01-05',
    '2024/01/05',
    '01/05/2024',
    '2024-01-05T00:00:00Z',
    ' 2024-01-05',
    '2024-01-05 ',
    'garbage',
    '',
  ])('rejects %j', (value) => {
    expect(parseIsoDate(value)).toBeNull();
    expect(isValidIsoDate(value)).toBe(false);
  });
});

describe('localDateIn', () => {
  it.each([
    ['2026-11-22T03:00:00Z', 'America/New_York', '2026-11-21'], // 22:00 EST the evening before
    ['2026-11-22T04:59:59Z', 'America/New_York', '2026-11-21'],
    ['2026-11-22T05:00:00Z', 'America/New_York', '2026-11-22'], // midnight EST
    ['2026-07-01T03:59:00Z', 'America/New_York', '2026-06-30'], // EDT is UTC-4
    ['2026-07-01T04:00:00Z', 'America/New_York', '2026-07-01'],
    ['2027-01-01T04:00:00Z', 'America/New_York', '2026-12-31'], // year end
    ['2026-11-22T07:59:00Z', 'America/Los_Angeles', '2026-11-21'],
    ['2026-11-22T09:00:00Z', 'Pacific/Honolulu', '2026-11-21'],
    ['2026-11-22T03:00:00Z', 'UTC', '2026-11-22'],
    ['2026-11-22T10:00:00Z', 'Pacific/Kiritimati', '2026-11-23'], // UTC+14
  ])('%s in %s is %s', (instant, timeZone, expected) => {
    expect(localDateIn(new Date(instant), timeZone)).toBe(expected);
  });
});

describe('formatUsDate', () => {
  it.each([
    ['2019-03-14', '03/14/2019'],
    ['2024-02-29', '02/29/2024'],
    ['2026-12-01', '12/01/2026'],
    ['2026-01-09', '01/09/2026'],
    // not a valid date: shown as stored rather than hidden
    ['garbage', 'garbage'],
    ['2023-02-29', '2023-02-29'],
    ['', ''],
  ])('%j → %j', (value, expected) => {
    expect(formatUsDate(value)).toBe(expected);
  });
});
