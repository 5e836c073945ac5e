/** A DTO `@Transform`: surrounding white space is not part of a name or text field. */
export const trim = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? value.trim() : value;
