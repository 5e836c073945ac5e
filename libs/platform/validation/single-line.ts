import { Matches } from 'class-validator';

/**
 * For names that end up in emails and lists: one line of text, without
 * control characters (line breaks, tabs, escapes), Unicode line and paragraph
 * separators, or bidirectional controls (a right-to-left override would show
 * the rest of a message reversed), so a name cannot lay out a message of its own.
 */
export const SingleLine = () =>
  Matches(/^[^\p{Cc}\p{Zl}\p{Zp}\p{Bidi_Control}]*$/u, {
    message: '$property must be one line of text, without control characters',
  });
