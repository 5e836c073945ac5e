/**
 * A DTO `@Transform` for a whole number sent as text (a query parameter): plain decimal
 * digits only, where `Number()` would also read `0x10`, `1e1`, `5.0` or ` 5`. Anything else
 * is left as it came, for `@IsInt` to refuse. Up to 15 digits, so the number is exact.
 */
export const wholeNumber = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : value;
