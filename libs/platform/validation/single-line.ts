import { Matches } from 'class-validator';

/**
 * What may not be in a name that ends up in emails and lists: control
 * characters (line breaks, tabs, escapes), Unicode line and paragraph
 * separators, and the bidirectional embeddings, overrides and isolates (a
 * right-to-left override shows the rest of a message reversed). The marks
 * (LRM, RLM, ALM) are allowed: they reorder nothing past their neighbours,
 * and right-to-left names pasted from elsewhere often hold them.
 */
const LAYOUT = '\\p{Cc}\\p{Zl}\\p{Zp}\\u202A-\\u202E\\u2066-\\u2069';

/** A name checked on the way in: one line of text, so it cannot lay out a message of its own. */
export const SingleLine = () =>
  Matches(new RegExp(`^[^${LAYOUT}]*$`, 'u'), {
    message: '$property must be one line of text, without control characters',
  });

/**
 * A name from elsewhere (a token's claim, a record older than the check) made
 * one line as SingleLine would have it, at most `max` characters.
 */
export const asOneLine = (text: string, max = 200): string =>
  text
    .replace(new RegExp(`[${LAYOUT}]+`, 'gu'), ' ')
    .trim()
    .slice(0, max);
