import { isRFC3339, ValidateBy } from 'class-validator';

const MONTH_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Whether the `YYYY-MM-DD` a timestamp starts with (month and day already in
 * their ranges) is a day the calendar has: date-time grammars alone allow
 * 2026-02-30. Arithmetic only, since projections check every event's times.
 */
export function hasCalendarDay(v: string): boolean {
  const digits = (at: number) => (v.charCodeAt(at) - 48) * 10 + v.charCodeAt(at + 1) - 48;
  const month = digits(5);
  const day = digits(8);
  if (day <= 28) return true;
  if (day > MONTH_DAYS[month - 1]) return false;
  const year = Number(v.slice(0, 4));
  return month !== 2 || (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0));
}

/**
 * A CloudEvents Timestamp: RFC 3339 date-time with an offset (`T`/`Z` in
 * either case, a leap second allowed), on a day the calendar has.
 */
export function isTimestamp(value: unknown): boolean {
  return typeof value === 'string' && isRFC3339(value) && hasCalendarDay(value);
}

export const IS_TIMESTAMP = 'isTimestamp';

export const IsTimestamp = () =>
  ValidateBy({
    name: IS_TIMESTAMP,
    validator: {
      validate: isTimestamp,
      defaultMessage: () => '$property must be an RFC 3339 date-time with an offset',
    },
  });
