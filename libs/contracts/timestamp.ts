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

/**
 * Milliseconds since the epoch of a valid Timestamp, or NaN. `Date.parse`
 * refuses a leap second (`23:59:60`); POSIX time counts it as the next
 * second, and so does this.
 */
export function timestampMs(value: string): number {
  const ms = Date.parse(value);
  if (!Number.isNaN(ms) || value.slice(16, 19) !== ':60') return ms;
  return Date.parse(`${value.slice(0, 17)}59${value.slice(19)}`) + 1000;
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
