import { isRFC3339, ValidateBy } from 'class-validator';

/** Days in each month of a (possibly leap) year; RFC 3339's grammar alone allows 2026-02-30. */
const daysIn = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();

/**
 * A CloudEvents Timestamp: RFC 3339 date-time with an offset (`T`/`Z` in
 * either case, a leap second allowed), on a day the calendar has.
 */
export function isTimestamp(value: unknown): boolean {
  if (typeof value !== 'string' || !isRFC3339(value)) return false;
  const [year, month, day] = value.slice(0, 10).split('-').map(Number);
  return day <= daysIn(year, month);
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
