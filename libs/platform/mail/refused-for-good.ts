/** The name of a failure that sending again cannot mend: an address the mail server says does not exist. */
export const REFUSED_FOR_GOOD = 'MailRefusedForGood';

/**
 * Whether the mail server refused the message for good: told by the error's
 * name, which is all of its class that crosses the mail thread's boundary.
 */
export const isRefusedForGood = (error: unknown): boolean =>
  error instanceof Error && error.name === REFUSED_FOR_GOOD;
