import { Matches } from 'class-validator';

/**
 * For names that end up in emails and lists: one line of text, without
 * control characters (line breaks, tabs, escapes) or Unicode line and
 * paragraph separators, so a name cannot lay out a message of its own.
 */
export const SingleLine = () =>
  Matches(/^[^\p{Cc}\p{Zl}\p{Zp}]*$/u, {
    message: '$property must be one line of text, without control characters',
  });
