/**
 * A DTO `@Transform` for text fields: surrounding white space is not part of
 * a name or text, and null is no value, so an optional field sent as null is
 * left out (never recorded as null) and a required one is missing.
 */
export const trim = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? value.trim() : value === null ? undefined : value;
